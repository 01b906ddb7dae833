// Each distinct question of a run asked once, whichever batch of workloads asks it, and its answer
// kept for the engine to look up. The promise is kept too: two batches in flight still ask once.
import { oncePerKey } from '../../net/once-per-key.ts';

export interface AskedOnce<Question, Answer> {
  /** Asks the questions not asked before, concurrently; resolves when every one of them is answered. */
  ask(questions: readonly Question[]): Promise<void>;
  /** The answer to the question with this key, once it has come. */
  answered(key: string): Answer | undefined;
}

export function askOnce<Question, Answer>(keyOf: (question: Question) => string, answer: (question: Question) => Promise<Answer>): AskedOnce<Question, Answer> {
  const answers = new Map<string, Answer>();
  const askOne = oncePerKey(keyOf, (question: Question) =>
    answer(question).then((value) => {
      answers.set(keyOf(question), value);
      return value;
    }),
  );
  return {
    ask: async (questions) => {
      await Promise.all(questions.map(askOne));
    },
    answered: (key) => answers.get(key),
  };
}
