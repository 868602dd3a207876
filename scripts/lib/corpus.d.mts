export interface CorpusSource {
  module: string;
  version: string;
  dirs: string[];
}
export const CORPUS_SOURCES: CorpusSource[];
export function corpusDirs(sources?: CorpusSource[]): { name: string; dir: string }[];
