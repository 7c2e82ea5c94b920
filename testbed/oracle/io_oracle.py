"""ASE oracle for @latticework/recipes builders and file formats (part B).

Run with /usr/bin/python3 (Debian python3-ase). Reads {"tasks": [...]} on stdin, prints
{"results": [...]} on stdout. Task kinds:
  {"kind": "build", "expr": "bulk('Cu', cubic=True)"}      -> atoms A (ase.build namespace)
  {"kind": "read", "path": p, "format": f|null, "index": -1} -> atoms A (+ results when present)
  {"kind": "write", "path": p, "format": f, "atoms": A, "results": R|null, "info": {...}|null}
where A = {"numbers", "positions", "cell", "pbc", "fixed", "info"} and R = {"energy", "forces",
"stress", "energies", "free_energy"}.
"""
import json
import sys

import numpy as np
from ase import Atoms
from ase.build import bulk, molecule, fcc111, fcc100, fcc110, bcc110, bcc100, surface  # noqa: F401
from ase.calculators.singlepoint import SinglePointCalculator
from ase.constraints import FixAtoms
from ase.io import read, write


def to_json(atoms):
    fixed = []
    for c in atoms.constraints:
        if isinstance(c, FixAtoms):
            fixed.extend(int(i) for i in c.get_indices())
    out = {
        "numbers": atoms.numbers.tolist(),
        "positions": atoms.positions.tolist(),
        "cell": atoms.cell[:].tolist(),
        "pbc": [bool(x) for x in atoms.pbc],
        "fixed": sorted(fixed),
        "info": {k: v for k, v in atoms.info.items() if isinstance(v, (int, float, str, bool))},
    }
    if "tags" in atoms.arrays:
        out["tags"] = atoms.get_tags().tolist()
    calc = atoms.calc
    if calc is not None and getattr(calc, "results", None):
        res = {}
        for k, v in calc.results.items():
            res[k] = v.tolist() if hasattr(v, "tolist") else v
        out["results"] = res
    return out


def from_json(a):
    atoms = Atoms(numbers=a["numbers"], positions=a["positions"], cell=a.get("cell"), pbc=a.get("pbc", False))
    if a.get("fixed"):
        atoms.set_constraint(FixAtoms(indices=a["fixed"]))
    if a.get("tags") is not None:
        atoms.set_tags(a["tags"])
    for k, v in (a.get("info") or {}).items():
        atoms.info[k] = v
    return atoms


def run(t):
    kind = t["kind"]
    if kind == "build":
        return to_json(eval(t["expr"]))
    if kind == "read":
        atoms = read(t["path"], index=t.get("index", -1), format=t.get("format"))
        return to_json(atoms)
    if kind == "write":
        atoms = from_json(t["atoms"])
        r = t.get("results")
        if r:
            kw = {k: np.array(v) if isinstance(v, list) else v for k, v in r.items()}
            atoms.calc = SinglePointCalculator(atoms, **kw)
        write(t["path"], atoms, format=t["format"])
        return {"ok": True}
    raise ValueError("unknown task kind " + kind)


def main():
    req = json.load(sys.stdin)
    results = []
    for t in req["tasks"]:
        try:
            results.append(run(t))
        except Exception as e:  # report per task
            results.append({"error": "%s: %s" % (type(e).__name__, e)})
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    main()
