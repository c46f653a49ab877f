export declare const repositoryRoot: string;
export interface StartKafkaOptions {
  directory: string;
  port: number;
  controllerPort: number;
  fresh?: boolean;
  tunedForTests?: boolean;
  heapMb?: number;
}
export interface StartedKafka {
  brokers: string[];
  pid: number;
  logFile: string;
  directory: string;
}
export declare function kafkaVersion(): string;
export declare function ensureKafkaJars(): string;
export declare function freePort(): Promise<number>;
export declare function startKafka(options: StartKafkaOptions): Promise<StartedKafka>;
export declare function stopKafka(directory: string): Promise<boolean>;
export declare function killKafka(directory: string): void;
export declare function isAlive(pid: number): boolean;
