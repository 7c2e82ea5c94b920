/**
 * Test structures: the SPEC reference systems and seeded random generators (alloys, rattled, mixed
 * pbc, thin and skewed cells). Deterministic for a given seed; a fresh seed is drawn per test run
 * unless LW_TEST_SEED is set, and printed so a failure can be reproduced.
 */
import { Atoms } from "../../src/atoms/atoms.js";

/** Seeded PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed for this run (LW_TEST_SEED or a fresh one). */
export const RUN_SEED = process.env.LW_TEST_SEED ? Number(process.env.LW_TEST_SEED) : Math.floor(Math.random() * 2 ** 31);

/** fcc primitive cell of lattice constant a, one atom. */
export function fccPrimitive(symbol: string, a: number): Atoms {
  return Atoms.fromSymbols(symbol, [[0, 0, 0]], { cell: [[0, a / 2, a / 2], [a / 2, 0, a / 2], [a / 2, a / 2, 0]], pbc: true });
}

/** Conventional 4-atom cubic fcc cell. */
export function fccCubic(symbol: string, a: number): Atoms {
  return Atoms.fromSymbols([symbol, symbol, symbol, symbol], [[0, 0, 0], [0, a / 2, a / 2], [a / 2, 0, a / 2], [a / 2, a / 2, 0]], { cell: [a, a, a], pbc: true });
}

/** SPEC 2.2 rattled 2x2x2 cubic Cu supercell positions. */
export const RATTLED_CU32: number[][] = [
  [0.024835707650561634, -0.006913215058559233, 0.032384426905034625],
  [0.07615149282040128, 1.7932923312638331, 1.7932931521525408],
  [1.8839606407753695, 0.03837173645764544, 1.7815262807032524],
  [1.8321280021792983, 1.7818291153593768, -0.023286487678512845],
  [0.012098113578301706, -0.0956640122328899, 3.5237541083743484],
  [-0.028114376462048635, 1.7543584439832787, 5.430712366629764],
  [1.7595987962239394, -0.07061518506676458, 5.4882824384460775],
  [1.793711184975673, 1.8083764102343962, 3.538762590689327],
  [-0.027219136226259134, 3.615546129485493, -0.057549678871115145],
  [0.0187849009172836, 5.38496806550406, 1.7904153125103361],
  [1.77491466938853, 3.702613909225447, 1.8043251387631032],
  [1.7521144535522049, 5.45612724560516, -0.06104218249855112],
  [0.010443179750237772, 3.512016493806011, 3.543590697555078],
  [0.009843061793456176, 5.45192332899977, 5.423568414059498],
  [1.7992175858805879, 3.5949448152205354, 5.3410739004816286],
  [1.7690077895802645, 5.391968061452011, 3.6628561113109455],
  [3.627180914478423, -0.0881520077681367, 0.01620419846973975],
  [3.590745885979184, 1.771153899984702, 1.8355838144420433],
  [5.4665499761247975, 0.04656400595580993, 1.763039123838868],
  [5.39953938120744, 1.821563171570178, 0.04877725635611796],
  [3.5860412881077353, -0.009282948833190856, 3.5546832512996986],
  [3.550189668795966, 1.8456262911197099, 5.482812001428541],
  [5.4113994939209835, 0.05017664489460121, 5.433081801252381],
  [5.382744012269744, 1.8230697802754205, 3.686901828323298],
  [3.6082086980445025, 3.6882321827907, -0.13098725520448723],
  [3.651095125218761, 5.419352353411909, 1.7900496324767066],
  [5.419588038826775, 3.5106215542699553, 1.7940164056081243],
  [5.432855628575587, 5.488894702237076, -0.02591351091368237],
  [3.5695753198553404, 3.584912147820773, 3.6557701058851038],
  [3.626437555482984, 5.388511989811648, 5.440663371655668],
  [5.419853877467402, 3.658432249526644, 5.379897345306133],
  [5.398616892670112, 5.395394592343393, 3.536824252593394],
];

/** SPEC 2.2 rattled Cu32 as Atoms. */
export function rattledCu32(): Atoms {
  return Atoms.fromSymbols(Array(32).fill("Cu") as string[], RATTLED_CU32, { cell: [7.22, 7.22, 7.22], pbc: true });
}

/** SPEC quacc test cell: bulk('Cu') * (2,2,2), atom 0 += (0.1, 0.1, 0.1). */
export function quaccTestCell(): Atoms {
  const a = fccPrimitive("Cu", 3.61).repeat([2, 2, 2]);
  for (let k = 0; k < 3; k++) a.positions[k]! += 0.1;
  return a;
}

const METALS = ["Al", "Cu", "Ag", "Au", "Ni", "Pd", "Pt"];

/** One random test structure of a given family; `rand` drives everything. */
export function randomStructure(kind: "alloy" | "slab" | "wire" | "cluster" | "thin" | "skewed" | "light", rand: () => number): Atoms {
  const pick = <T,>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const a = 3.5 + 0.6 * rand();
  let atoms: Atoms;
  switch (kind) {
    case "alloy": {
      atoms = fccCubic("Cu", a).repeat([2, 2, 1 + Math.floor(rand() * 2)]);
      break;
    }
    case "slab": {
      atoms = fccCubic("Cu", a).repeat([2, 2, 2]);
      atoms.pbc = [true, true, false];
      atoms.center(4 + 3 * rand(), 2);
      break;
    }
    case "wire": {
      atoms = fccCubic("Cu", a).repeat([1, 1, 3]);
      atoms.pbc = [false, false, true];
      atoms.cell[0] = 0; atoms.cell[4] = 0; // zero cell vectors along the non-periodic axes
      break;
    }
    case "cluster": {
      atoms = fccCubic("Cu", a).repeat([2, 2, 2]);
      atoms.pbc = [false, false, false];
      atoms.cell.fill(0);
      break;
    }
    case "thin": {
      // 1- or 2-atom periodic cells, far thinner than the cut-off
      atoms = rand() < 0.5 ? fccPrimitive("Cu", a) : fccPrimitive("Cu", a).repeat([1, 1, 2]);
      break;
    }
    case "skewed": {
      const c = [[a, 0, 0], [a * (0.3 + 0.4 * rand()), a * 0.9, 0], [a * 0.2, a * 0.3 * rand(), a * (0.8 + 0.3 * rand())]];
      atoms = new Atoms({ numbers: [29, 29], positions: [[0, 0, 0], [0.5 * (c[0]![0]! + c[1]![0]!), 0.5 * c[1]![1]!, 0.5 * c[2]![2]!]], cell: c, pbc: true }).repeat([2, 1, 1]);
      break;
    }
    case "light": {
      atoms = fccCubic("Cu", a).repeat([1, 2, 2]);
      break;
    }
  }
  const pool = kind === "light" ? [...METALS, "H", "C", "N", "O"] : METALS;
  for (let i = 0; i < atoms.length; i++) atoms.numbers[i] = Atoms.fromSymbols(pick(pool), [[0, 0, 0]]).numbers[0]!;
  const sd = 0.02 + 0.1 * rand();
  for (let i = 0; i < atoms.positions.length; i++) atoms.positions[i]! += sd * gauss();
  // some atoms outside the cell: energies must not depend on wrapping
  if (atoms.pbc.some(Boolean) && atoms.length > 1) {
    for (let k = 0; k < 3; k++) {
      if (!atoms.pbc[k]) continue;
      const sgn = rand() < 0.5 ? 1 : -1;
      for (let c = 0; c < 3; c++) atoms.positions[c]! += sgn * atoms.cell[3 * k + c]!; // a lattice translation of atom 0
    }
  }
  return atoms;
}
