import { platformJsonSchema } from '../../spec/schema.js';
import type { ActionContext } from '../commands.js';
import { EXIT } from '../io.js';
import { json } from '../report.js';

export default async function schema(_flags: unknown, { io }: ActionContext): Promise<number> {
  io.stdout(json(platformJsonSchema()));
  return EXIT.ok;
}
