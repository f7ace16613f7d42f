//! The scheduler: resource permits for attempts. A CPU attempt holds one disjoint core group; a
//! GPU attempt holds one device. It is pure state — no processes, no clocks — so its invariants
//! (never two attempts on one device, never two on one core) are testable over random plans.
//! The dispatcher owns the only instance.

use nbench_schema::Scheduler as Regime;

/// A held resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Permit {
    /// `cpu` or `cuda`.
    pub platform: String,
    /// Core-group index for CPU permits; device index for GPU permits.
    pub slot: u32,
    /// CPUs the worker is pinned to.
    pub cpus: Vec<u32>,
    /// The device, for GPU permits.
    pub gpu: Option<u32>,
}

/// Free and held permits.
#[derive(Debug, Clone)]
pub struct Scheduler {
    groups: Vec<Vec<u32>>,
    cpu_busy: Vec<bool>,
    gpu_busy: Vec<bool>,
    all_cpus: Vec<u32>,
    settle_s: f64,
    /// Why no GPU was found (the helper's `reason: message`), when it said.
    gpu_note: Option<String>,
}

impl Scheduler {
    /// `groups` partition the usable CPUs; `n_gpus` devices get a lock each.
    pub fn new(groups: Vec<Vec<u32>>, n_gpus: u32, settle_s: f64) -> Scheduler {
        let mut all_cpus: Vec<u32> = groups.iter().flatten().copied().collect();
        all_cpus.sort_unstable();
        Scheduler {
            cpu_busy: vec![false; groups.len()],
            gpu_busy: vec![false; n_gpus as usize],
            groups,
            all_cpus,
            settle_s,
            gpu_note: None,
        }
    }

    /// Keeps the GPU helper's explanation of an empty device set, so attempts that can never
    /// run name the real cause (a missing driver, say) instead of a bare "no device".
    pub fn with_gpu_note(mut self, note: Option<String>) -> Scheduler {
        self.gpu_note = note;
        self
    }

    /// The failure reason and message for an attempt on `platform` that no resource of this run
    /// can ever serve.
    pub fn unavailable(&self, platform: &str) -> (String, String) {
        let bare = || {
            (
                format!("no_{platform}_device"),
                format!("no {platform} device is available to this run"),
            )
        };
        let Some(note) = self.gpu_note.as_deref().filter(|_| platform == "cuda") else {
            return bare();
        };
        // Notes look like `cuda_driver_missing: libcuda.so not found`; a prefix that is not a
        // single token is no reason code, so the bare reason stays and the note is the message.
        let reason = note.split_once(':').map_or(note, |(r, _)| r).trim();
        let token = !reason.is_empty()
            && reason
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        let message = format!("no cuda device is available to this run: {note}");
        if token {
            (reason.to_string(), message)
        } else {
            (bare().0, message)
        }
    }

    /// The regime recorded in rows and the manifest.
    pub fn regime(&self) -> Regime {
        Regime {
            cpu_slots: self.groups.len() as u32,
            core_groups: self.groups.clone(),
            n_gpus: self.gpu_busy.len() as u32,
            gpu_settle_s: self.settle_s,
        }
    }

    /// Whether any device exists for `platform` at all.
    pub fn can_ever_run(&self, platform: &str) -> bool {
        match platform {
            "cpu" => !self.groups.is_empty(),
            "cuda" => !self.gpu_busy.is_empty(),
            _ => false,
        }
    }

    /// A free permit for `platform`, marked held; `None` when all are busy.
    pub fn acquire(&mut self, platform: &str) -> Option<Permit> {
        match platform {
            "cpu" => {
                let i = self.cpu_busy.iter().position(|b| !b)?;
                self.cpu_busy[i] = true;
                Some(Permit {
                    platform: platform.to_string(),
                    slot: i as u32,
                    cpus: self.groups[i].clone(),
                    gpu: None,
                })
            }
            "cuda" => {
                let i = self.gpu_busy.iter().position(|b| !b)?;
                self.gpu_busy[i] = true;
                // The host side of a GPU attempt may use every CPU: it mostly waits on the
                // device, and pinning it to a CPU slot would steal that slot from CPU work.
                Some(Permit {
                    platform: platform.to_string(),
                    slot: i as u32,
                    cpus: self.all_cpus.clone(),
                    gpu: Some(i as u32),
                })
            }
            _ => None,
        }
    }

    /// Returns a permit.
    pub fn release(&mut self, p: &Permit) {
        match p.gpu {
            Some(g) => self.gpu_busy[g as usize] = false,
            None => self.cpu_busy[p.slot as usize] = false,
        }
    }

    /// The first pending attempt (by plan order) whose resource class has a free permit.
    pub fn pick<'a, I>(&mut self, pending_platforms: I) -> Option<(usize, Permit)>
    where
        I: IntoIterator<Item = &'a str>,
    {
        let mut tried_cpu = false;
        let mut tried_gpu = false;
        for (i, platform) in pending_platforms.into_iter().enumerate() {
            let tried = if platform == "cuda" {
                &mut tried_gpu
            } else {
                &mut tried_cpu
            };
            if *tried {
                continue;
            }
            match self.acquire(platform) {
                Some(p) => return Some((i, p)),
                None => *tried = true,
            }
            if tried_cpu && tried_gpu {
                break;
            }
        }
        None
    }

    /// Number of permits currently held.
    pub fn held(&self) -> usize {
        self.cpu_busy
            .iter()
            .chain(&self.gpu_busy)
            .filter(|b| **b)
            .count()
    }
}
