//! `nbench-worker cuda-libs`: which CUDA libraries this build can load on this machine, under
//! exactly the file names cudarc's dynamic loading tries, from which file, and at what
//! version. It is the first thing a GPU check runs, so a machine whose libraries carry other
//! names (CUDA 13's `libnvrtc.so.13`, which cudarc built for 12.8 never asks for) fails in
//! seconds with the names tried, not as a column of `cuda_library_missing` rows.
//!
//! It only opens and closes libraries (`dlopen`, `dlsym`, `dladdr`) and calls version
//! queries that need no context; it must not initialise a device.

use std::ffi::{CStr, CString, c_char, c_int, c_void};

/// The CUDA version of cudarc's bindings: the `cuda-12080` feature in worker/Cargo.toml
/// (a test keeps the two equal). Its major is the only versioned name cudarc adds to the
/// `.12 .11 .10 .9 .1` it always tries.
pub const BINDINGS: &str = "12.8";

/// One library cudarc loads: the base names it tries (in its order), a symbol that every
/// version exports (to find the file it came from), and how to ask it its version.
struct Wanted {
    label: &'static str,
    bases: &'static [&'static str],
    symbol: &'static CStr,
    version: fn(*mut c_void) -> Option<String>,
}

const WANTED: &[Wanted] = &[
    Wanted {
        label: "libcuda",
        bases: &["cuda", "nvcuda"],
        symbol: c"cuDriverGetVersion",
        version: driver_version,
    },
    Wanted {
        label: "libnvrtc",
        bases: &["nvrtc"],
        symbol: c"nvrtcVersion",
        version: nvrtc_version,
    },
    Wanted {
        label: "libcublas",
        bases: &["cublas"],
        symbol: c"cublasGetProperty",
        version: cublas_version,
    },
];

/// What the lookup found for one library.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// Loaded under `name` (a candidate) from `path`, reporting `version`.
    Found {
        name: String,
        path: Option<String>,
        version: Option<String>,
    },
    /// No candidate loaded; `error` is the most telling `dlerror` (one that is not plain
    /// "no such file", e.g. a missing dependency), when there was one.
    Missing {
        tried: Vec<String>,
        error: Option<String>,
    },
}

/// Looks up every library; `(label, result)` in a fixed order.
pub fn lookup_all() -> Vec<(&'static str, Lookup)> {
    WANTED.iter().map(|w| (w.label, lookup(w))).collect()
}

fn lookup(w: &Wanted) -> Lookup {
    // cudarc lists some names twice (`.12` as its major and as a fixed fallback).
    let mut tried: Vec<String> = Vec::new();
    for name in w
        .bases
        .iter()
        .flat_map(|b| cudarc::get_lib_name_candidates(b))
    {
        if !tried.contains(&name) {
            tried.push(name);
        }
    }
    let mut telling = None;
    for name in &tried {
        let Ok(c) = CString::new(name.as_str()) else {
            continue;
        };
        // SAFETY: `c` is a valid C string; the handle is closed below. Loading runs the
        // library's initialisers, exactly as cudarc's own loading would.
        let handle = unsafe { libc::dlopen(c.as_ptr(), libc::RTLD_LAZY | libc::RTLD_LOCAL) };
        if handle.is_null() {
            // "NAME: cannot open …" is this candidate's absence; any other text (a missing
            // dependency such as libcublasLt, a wrong ELF class) says why a file that exists
            // would not load.
            let e = last_dl_error();
            let own = format!("{name}:");
            if telling.is_none() && e.as_deref().is_some_and(|e| !e.starts_with(&own)) {
                telling = e;
            }
            continue;
        }
        let path = origin(handle, w.symbol);
        let version = (w.version)(handle);
        // SAFETY: `handle` came from dlopen above and nothing from it is used after this.
        unsafe { libc::dlclose(handle) };
        return Lookup::Found {
            name: name.clone(),
            path,
            version,
        };
    }
    Lookup::Missing {
        tried,
        error: telling,
    }
}

fn last_dl_error() -> Option<String> {
    // SAFETY: dlerror returns null or a valid C string owned by libc.
    let e = unsafe { libc::dlerror() };
    (!e.is_null()).then(|| unsafe { CStr::from_ptr(e) }.to_string_lossy().into_owned())
}

fn sym(handle: *mut c_void, name: &CStr) -> Option<*mut c_void> {
    // SAFETY: `handle` is a live dlopen handle and `name` a valid C string.
    let p = unsafe { libc::dlsym(handle, name.as_ptr()) };
    (!p.is_null()).then_some(p)
}

/// The file `symbol` of `handle` was loaded from (the real file behind any symlink name).
fn origin(handle: *mut c_void, symbol: &CStr) -> Option<String> {
    let p = sym(handle, symbol)?;
    let mut info = libc::Dl_info {
        dli_fname: std::ptr::null(),
        dli_fbase: std::ptr::null_mut(),
        dli_sname: std::ptr::null(),
        dli_saddr: std::ptr::null_mut(),
    };
    // SAFETY: `p` is an address inside a loaded object and `info` outlives the call.
    if unsafe { libc::dladdr(p, &mut info) } == 0 || info.dli_fname.is_null() {
        return None;
    }
    // SAFETY: dladdr filled `dli_fname` with a C string owned by the loader.
    let name = unsafe { CStr::from_ptr(info.dli_fname as *const c_char) };
    let name = name.to_string_lossy().into_owned();
    Some(
        std::fs::canonicalize(&name)
            .map(|p| p.display().to_string())
            .unwrap_or(name),
    )
}

fn driver_version(handle: *mut c_void) -> Option<String> {
    let f = sym(handle, c"cuDriverGetVersion")?;
    // SAFETY: the symbol is `CUresult cuDriverGetVersion(int*)` in every CUDA version.
    let f: unsafe extern "C" fn(*mut c_int) -> c_int = unsafe { std::mem::transmute(f) };
    let mut v: c_int = 0;
    // SAFETY: `v` outlives the call; the query needs no cuInit.
    (unsafe { f(&mut v) } == 0).then(|| format!("cuda {}.{}", v / 1000, (v % 1000) / 10))
}

fn nvrtc_version(handle: *mut c_void) -> Option<String> {
    let f = sym(handle, c"nvrtcVersion")?;
    // SAFETY: the symbol is `nvrtcResult nvrtcVersion(int*, int*)` in every NVRTC version.
    let f: unsafe extern "C" fn(*mut c_int, *mut c_int) -> c_int =
        unsafe { std::mem::transmute(f) };
    let (mut major, mut minor): (c_int, c_int) = (0, 0);
    // SAFETY: both outlive the call.
    (unsafe { f(&mut major, &mut minor) } == 0).then(|| format!("nvrtc {major}.{minor}"))
}

fn cublas_version(handle: *mut c_void) -> Option<String> {
    let f = sym(handle, c"cublasGetProperty")?;
    // SAFETY: the symbol is `cublasStatus_t cublasGetProperty(libraryPropertyType, int*)`;
    // the property type is a C enum (MAJOR_VERSION 0, MINOR_VERSION 1, PATCH_LEVEL 2).
    let f: unsafe extern "C" fn(c_int, *mut c_int) -> c_int = unsafe { std::mem::transmute(f) };
    let mut part = [0 as c_int; 3];
    for (i, v) in part.iter_mut().enumerate() {
        // SAFETY: `v` outlives the call; the query needs no handle.
        if unsafe { f(i as c_int, v) } != 0 {
            return None;
        }
    }
    Some(format!("cublas {}.{}.{}", part[0], part[1], part[2]))
}

/// `nbench-worker cuda-libs`: one line per library; exit 0 when all three load, else 1.
pub fn main() -> i32 {
    let mut missing = 0;
    for (label, found) in lookup_all() {
        match found {
            Lookup::Found {
                name,
                path,
                version,
            } => println!(
                "found    {label:<10} as {name} from {} ({})",
                path.as_deref().unwrap_or("an unknown file"),
                version.as_deref().unwrap_or("version unknown")
            ),
            Lookup::Missing { tried, error } => {
                missing += 1;
                println!(
                    "missing  {label:<10} tried {}{}",
                    tried.join(" "),
                    error.map(|e| format!("; {e}")).unwrap_or_default()
                );
            }
        }
    }
    println!(
        "cuda-libs: bindings for cuda {BINDINGS}; {} of {} found; LD_LIBRARY_PATH={}",
        WANTED.len() - missing,
        WANTED.len(),
        std::env::var("LD_LIBRARY_PATH").unwrap_or_default()
    );
    if missing == 0 { 0 } else { 1 }
}
