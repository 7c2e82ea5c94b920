"""ASE oracle for @latticework/recipes tests and bench.

Reads one JSON request on stdin, writes one JSON reply on stdout. Run with /usr/bin/python3
(Debian's python3-ase). Request: {"tasks": [task, ...]}; reply: {"results": [result, ...],
"ase_version": "..."}.

Task kinds:
  {"kind": "calc", "atoms": A, "calc": C}                      -> energy, forces, stress?, energies
  {"kind": "opt", "atoms": A, "calc": C, "optimizer": "BFGS"|"FIRE"|"LBFGS",
   "fmax": 0.01, "steps": 1000, "cell": null|"exp"|"unit"}     -> nsteps, converged, energy, positions, cell, energies
  {"kind": "build", "expr": "fcc111('Cu', (2,2,3), vacuum=10)", "rattle"?: s, "seed"?: n} -> atoms A
  {"kind": "time_calc", "atoms": A, "calc": C, "repeat": n}   -> best wall and CPU seconds per energy+forces evaluation
where A = {"numbers", "positions", "cell", "pbc", "fixed"} and C = {"name": "EMT", "asap_cutoff": bool}
or {"name": "LJ", "epsilon", "sigma", "rc", "ro", "smooth"}.
"""
import json
import sys
import time

import numpy as np
import ase
from ase import Atoms
from ase.calculators.emt import EMT
from ase.calculators.lj import LennardJones
from ase.constraints import FixAtoms
from ase.optimize import BFGS, FIRE, LBFGS


def make_atoms(a):
    atoms = Atoms(numbers=a["numbers"], positions=a["positions"], cell=a.get("cell"), pbc=a.get("pbc", False))
    if a.get("fixed"):
        atoms.set_constraint(FixAtoms(indices=a["fixed"]))
    return atoms


def make_calc(c):
    if c["name"] == "EMT":
        return EMT(asap_cutoff=bool(c.get("asap_cutoff", False)))
    if c["name"] == "LJ":
        kw = {k: c[k] for k in ("epsilon", "sigma", "rc", "ro", "smooth") if c.get(k) is not None}
        return LennardJones(**kw)
    raise ValueError("unknown calculator " + str(c["name"]))


def calc_task(t):
    atoms = make_atoms(t["atoms"])
    atoms.calc = make_calc(t["calc"])
    out = {
        "energy": float(atoms.get_potential_energy()),
        "forces": atoms.get_forces(apply_constraint=False).tolist(),
        "energies": atoms.get_potential_energies().tolist(),
    }
    if atoms.cell.rank == 3:
        out["stress"] = atoms.get_stress(voigt=True).tolist()
    return out


def opt_task(t):
    atoms = make_atoms(t["atoms"])
    atoms.calc = make_calc(t["calc"])
    target = atoms
    if t.get("cell") == "exp":
        from ase.constraints import ExpCellFilter
        target = ExpCellFilter(atoms)
    elif t.get("cell") == "unit":
        from ase.constraints import UnitCellFilter
        target = UnitCellFilter(atoms)
    opt_cls = {"BFGS": BFGS, "FIRE": FIRE, "LBFGS": LBFGS}[t["optimizer"]]
    opt = opt_cls(target, logfile=None)
    energies = []
    opt.attach(lambda: energies.append(float(atoms.get_potential_energy())), interval=1)
    t0 = time.perf_counter()
    c0 = time.process_time()
    converged = opt.run(fmax=t.get("fmax", 0.05), steps=t.get("steps", 1000))
    seconds = time.perf_counter() - t0
    cpu_seconds = time.process_time() - c0
    return {
        "nsteps": int(opt.nsteps),
        "converged": bool(converged),
        "energy": float(atoms.get_potential_energy()),
        "energies": energies,
        "positions": atoms.get_positions().tolist(),
        "cell": atoms.cell[:].tolist(),
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
    }


def time_calc_task(t):
    atoms = make_atoms(t["atoms"])
    n = int(t.get("repeat", 1))
    best = float("inf")
    best_cpu = float("inf")
    for _ in range(n):
        atoms.calc = make_calc(t["calc"])
        t0 = time.perf_counter()
        c0 = time.process_time()
        atoms.get_potential_energy()
        atoms.get_forces()
        best_cpu = min(best_cpu, time.process_time() - c0)
        best = min(best, time.perf_counter() - t0)
    return {"seconds": best, "cpu_seconds": best_cpu}


def build_task(t):
    """Build a structure from a trusted test-side expression (ase.build namespace)."""
    import ase.build as b
    ns = {k: getattr(b, k) for k in dir(b) if not k.startswith("_")}
    atoms = eval(t["expr"], {"__builtins__": {}}, ns)  # expressions come from the test files only
    if t.get("rattle"):
        atoms.rattle(t["rattle"], seed=t.get("seed", 42))
    fixed = []
    for c in atoms.constraints:
        if isinstance(c, FixAtoms):
            fixed += [int(i) for i in c.index]
    return {"numbers": atoms.numbers.tolist(), "positions": atoms.positions.tolist(), "cell": atoms.cell[:].tolist(),
            "pbc": atoms.pbc.tolist(), "fixed": fixed}


def atoms_ops_task(t):
    """ASE's answers for Atoms helpers on one structure."""
    atoms = make_atoms(t["atoms"])
    out = {
        "formula": atoms.get_chemical_formula(),
        "formula_reduce": atoms.get_chemical_formula(mode="reduce"),
        "formula_metal": atoms.get_chemical_formula(mode="metal"),
        "volume": float(abs(np.linalg.det(atoms.cell[:]))),
        "masses": atoms.get_masses().tolist(),
        "distances_mic": atoms.get_all_distances(mic=True).tolist(),
    }
    try:
        rep = atoms.repeat(tuple(t.get("repeat", (2, 1, 3))))
        out["repeat_positions"] = rep.positions.tolist()
        out["repeat_cell"] = rep.cell[:].tolist()
    except ValueError as e:
        out["repeat_error"] = str(e)
    if atoms.cell.rank == 3:
        out["scaled"] = atoms.get_scaled_positions(wrap=True).tolist()
        w = atoms.copy()
        w.wrap()
        out["wrapped"] = w.positions.tolist()
    c = atoms.copy()
    c.center(vacuum=t.get("vacuum", 4.0))
    out["center_positions"] = c.positions.tolist()
    out["center_cell"] = c.cell[:].tolist()
    c2 = atoms.copy()
    c2.center(vacuum=3.0, axis=2)
    out["center2_positions"] = c2.positions.tolist()
    out["center2_cell"] = c2.cell[:].tolist()
    return out


def main():
    req = json.load(sys.stdin)
    kinds = {"atoms_ops": atoms_ops_task, "build": build_task, "calc": calc_task, "opt": opt_task, "time_calc": time_calc_task}
    results = [kinds[t["kind"]](t) for t in req["tasks"]]
    json.dump({"results": results, "ase_version": ase.__version__}, sys.stdout)


if __name__ == "__main__":
    main()
