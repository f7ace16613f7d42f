"""Loading a materialised instance: `meta.json` and the `.npy` arrays that
`nbench-worker materialize` wrote under spec.cache_dir (docs/providers.md).

Owns: reading the directory and checking the arrays against meta.json (dtype and length). It
never generates data: a foreign provider solves exactly the bytes the native worker hashed.
"""

import json
import os

from .errors import Refused


class InstanceError(Refused):
    """The instance directory is missing or inconsistent (status error, reason instance_missing)."""

    reason = "instance_missing"


def load(np, cache_dir):
    """Returns (meta, inputs, oracle-or-None) with inputs as 1-d NumPy arrays in order."""
    if not cache_dir:
        raise InstanceError(
            "the spec has no cache_dir: a foreign provider needs the instance the native "
            "worker materialised (run through `nbench run --provider …`)")
    meta_path = os.path.join(cache_dir, "meta.json")
    try:
        with open(meta_path, encoding="utf-8") as f:
            meta = json.load(f)
    except OSError as e:
        raise InstanceError(f"cannot read {meta_path}: {e.strerror}") from None
    except ValueError as e:
        raise InstanceError(f"{meta_path} is not valid json: {e}") from None

    def array(entry):
        path = os.path.join(cache_dir, entry["file"])
        try:
            a = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as e:
            raise InstanceError(f"cannot load {path}: {e}") from None
        if a.dtype.str != np.dtype(entry["dtype"]).str or a.size != entry["len"]:
            raise InstanceError(
                f"{path} holds {a.dtype.str}[{a.size}], meta.json says "
                f"{entry['dtype']}[{entry['len']}]")
        return a

    inputs = [array(e) for e in meta.get("inputs", [])]
    oracle = array(meta["oracle"]) if meta.get("oracle") else None
    return meta, inputs, oracle
