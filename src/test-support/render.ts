/**
 * Rendering one add-on for one cluster of a spec (the built-in default unless given), for tests.
 */
import { CATALOG } from '../addons/catalog.js';
import { ADDON_CATALOG } from '../addons/catalog.js';
import type { AddonName } from '../addons/names.js';
import type { RenderedAddon } from '../addons/definition.js';
import { renderContext } from '../render/context.js';
import { loadBuiltinSpec, loadSpecText } from '../spec/load.js';
import type { Platform } from '../spec/model.js';
import { TEST_NOW } from './clock.js';

export function testPlatform(specText?: string): Platform {
  const result =
    specText === undefined
      ? loadBuiltinSpec({ now: TEST_NOW, catalog: CATALOG })
      : loadSpecText(specText, { now: TEST_NOW, catalog: CATALOG });
  if (!result.platform)
    throw new Error(
      `invalid test spec: ${result.diagnostics.map((d) => `${d.code} ${d.message}`).join('; ')}`,
    );
  return result.platform;
}

export function renderAddon(
  addon: AddonName,
  clusterName: string,
  platform: Platform = testPlatform(),
): RenderedAddon {
  const cluster = platform.clusters.find((c) => c.name === clusterName);
  if (!cluster) throw new Error(`no cluster ${clusterName}`);
  if (!cluster.addons.includes(addon)) throw new Error(`${addon} is not enabled on ${clusterName}`);
  const render = ADDON_CATALOG[addon].render;
  if (!render) throw new Error(`${addon} has no renderer`);
  return render(renderContext(platform, cluster));
}
