export interface Figure {
  name: string;
  value: number;
  unit: string;
  note: string;
}

export interface BenchContext {
  quick: boolean;
  workDir: string;
  log: (message: string) => void;
}

export interface Benchmark {
  name: string;
  description: string;
  run(context: BenchContext): Promise<Figure[]>;
}
