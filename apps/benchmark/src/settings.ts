/** How much each scenario measures; `quick` fits in a CI minute, `full` follows docs' warm-up rules. */
export interface BenchSettings {
  quick: boolean;
  warmupCalls: number;
  warmupMinMs: number;
  passes: number;
  overheadRounds: number;
  overheadPerRound: number;
  throughputRounds: number;
  throughputPerRound: number;
  streamingRounds: number;
  streamingPerRound: number;
  adrPerClient: number;
}

/** The settings for a full or a quick run. */
export function benchSettings(quick: boolean): BenchSettings {
  return quick
    ? {
        quick,
        warmupCalls: 1300,
        warmupMinMs: 0,
        passes: 1,
        overheadRounds: 4,
        overheadPerRound: 300,
        throughputRounds: 3,
        throughputPerRound: 1500,
        streamingRounds: 4,
        streamingPerRound: 150,
        adrPerClient: 20,
      }
    : {
        quick,
        warmupCalls: 3000,
        warmupMinMs: 4000,
        passes: 2,
        overheadRounds: 5,
        overheadPerRound: 400,
        throughputRounds: 3,
        throughputPerRound: 4000,
        streamingRounds: 5,
        streamingPerRound: 200,
        adrPerClient: 60,
      };
}
