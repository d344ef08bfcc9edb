export interface Figure {
  name: string;
  value: number;
  unit: string;
  note: string;
}

export interface BenchContext {
  quick: boolean;
  /** --events N: how many events a benchmark that generates data should generate (its own default otherwise). */
  events?: number;
  workDir: string;
  log: (message: string) => void;
}

export interface Benchmark {
  name: string;
  description: string;
  run(context: BenchContext): Promise<Figure[]>;
}
