"""pymatgen oracle for @latticework/recipes slab generation (part B).

Emulates quacc's make_slabs_from_bulk defaults (SPEC 4.1) with Debian's pymatgen 2022.11.7:
generate_all_slabs(max_index, min_slab_size=10, min_vacuum_size=20, center_slab=True), flipped copies
of asymmetric slabs counted, supercell [ceil(8/|a|), ceil(8/|b|), 1], atoms within z_fix=2 of the
top (along a x b) free. Reads {"tasks": [{"bulk": A, "max_index": n, "max_normal_search": m|null,
"kwargs": {...}}]} on stdin, where kwargs may hold generate_all_slabs' bonds (as [[sym1, sym2, dist], ...]),
max_broken_bonds, symmetrize, repair, lll_reduce, tol, ftol, primitive; prints per slab the Miller index,
number of atoms, free atoms, supercell, symmetric flag, 1x1 lattice parameters, the sorted atom heights
along the surface normal (relative to the lowest atom), the 1x1 slab's atomic numbers (sorted), the
termination shift, the cosine between c and the surface normal (c_cos), and the broken-bond count (before pymatgen scales slab.energy by the primitive
reduction); with "alternatives": true also the layer heights of every termination StructureMatcher
equates with the slab (pymatgen keeps the first by shift, which floating-point noise can reorder). A task with "crystal_system": true
returns the spglib crystal system and the distinct Miller indices instead.
"""
import json
import math
import sys
import warnings

import numpy as np
from ase import Atoms
from pymatgen.core.surface import SlabGenerator, generate_all_slabs, get_symmetrically_distinct_miller_indices
from pymatgen.analysis.structure_matcher import StructureMatcher
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer
from pymatgen.io.ase import AseAtomsAdaptor

warnings.filterwarnings("ignore")


def broken_bonds(struct, slab, kw):
    """Bonds broken by the slab's termination before the primitive reduction scales slab.energy."""
    if not kw.get("bonds"):
        return 0
    gen = SlabGenerator(struct, slab.miller_index, 10.0, 20.0, max_normal_search=kw.get("max_normal_search"))
    return sum(1 for r in gen._get_c_ranges(kw["bonds"]) if r[0] <= slab.shift <= r[1])


def heights_of(slab):
    m = slab.lattice.matrix
    normal = np.cross(m[0], m[1])
    normal /= np.linalg.norm(normal)
    one = slab.cart_coords @ normal
    return sorted((one - one.min()).tolist())


def alternatives(struct, slab, kw):
    """Layer heights of every termination of the slab's Miller index that StructureMatcher equates with it."""
    gen = SlabGenerator(struct, slab.miller_index, 10.0, 20.0, center_slab=True, max_normal_search=kw.get("max_normal_search"))
    m = StructureMatcher(ltol=0.1, stol=0.1, primitive_cell=False, scale=False)
    out = []
    for shift in gen._calculate_possible_shifts():
        other = gen.get_slab(shift)
        if len(other) == len(slab) and m.fit(slab, other):
            out.append(heights_of(other))
    return out


def slabs_task(t):
    a = t["bulk"]
    atoms = Atoms(numbers=a["numbers"], positions=a["positions"], cell=a["cell"], pbc=True)
    struct = AseAtomsAdaptor.get_structure(atoms)
    out = []
    kw = {}
    if t.get("max_normal_search") is not None:
        kw["max_normal_search"] = t["max_normal_search"]
    for k, v in (t.get("kwargs") or {}).items():
        kw[k] = {(b[0], b[1]): b[2] for b in v} if k == "bonds" else v
    if t.get("crystal_system"):
        sga = SpacegroupAnalyzer(struct)
        return {
            "crystal_system": sga.get_crystal_system(),
            "space_group": sga.get_space_group_number(),
            "millers": [list(m) for m in get_symmetrically_distinct_miller_indices(struct, t["max_index"])],
        }
    for slab in generate_all_slabs(struct, t["max_index"], 10.0, 20.0, center_slab=True, **kw):
        try:
            sym = bool(slab.is_symmetric())
        except ValueError:  # spglib fails on some repaired slabs (overlapping sites)
            sym = None
        abc = slab.lattice.abc
        rep = [math.ceil(8.0 / abc[0]), math.ceil(8.0 / abc[1]), 1]
        sc = slab.copy()
        sc.make_supercell(rep)
        m = sc.lattice.matrix
        normal = np.cross(m[0], m[1])
        normal /= np.linalg.norm(normal)
        h = sc.cart_coords @ normal
        free = int(np.sum(h >= h.max() - 2.0))
        one = slab.cart_coords @ normal
        out.append({
            "miller": list(slab.miller_index),
            "natoms": len(sc),
            "free": free,
            "supercell": rep,
            "symmetric": sym,
            "n1x1": len(slab),
            "abc": list(abc),
            "angles": list(slab.lattice.angles),
            "heights": sorted((one - one.min()).tolist()),
            "copies": 1 if sym else 2,
            "numbers": sorted(int(z) for z in slab.atomic_numbers),
            "shift": float(slab.shift),
            "energy": float(slab.energy) if slab.energy is not None else None,
            "broken_bonds": broken_bonds(struct, slab, kw),
            "c_cos": float(abs(np.dot(slab.lattice.matrix[2], np.cross(slab.lattice.matrix[0], slab.lattice.matrix[1])))
                           / (np.linalg.norm(slab.lattice.matrix[2]) * np.linalg.norm(np.cross(slab.lattice.matrix[0], slab.lattice.matrix[1])))),
            "alternatives": alternatives(struct, slab, kw) if t.get("alternatives") else None,
        })
    return out


def main():
    req = json.load(sys.stdin)
    json.dump({"results": [slabs_task(t) for t in req["tasks"]]}, sys.stdout)


if __name__ == "__main__":
    main()
