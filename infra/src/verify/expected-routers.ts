/**
 * The routers `traefik-routers-loaded` expects, derived from the renderer's own output (the
 * same function that writes each app's Traefik file), so the check and the file cannot drift.
 */
import { renderTraefikDynamicConfig, type Gateway } from '@booxstream/gateway';
import type { ExpectedRouter } from './traefik-api.js';

export function expectedTraefikRouters(gateway: Gateway): Record<string, ExpectedRouter & { middlewares: string[] }> {
  const out: Record<string, ExpectedRouter & { middlewares: string[] }> = {};
  for (const app of gateway.apps) {
    for (const [name, r] of Object.entries(renderTraefikDynamicConfig(gateway, app).document.http.routers)) {
      out[name] = { rule: r.rule, priority: r.priority, middlewares: [...r.middlewares] };
    }
  }
  return out;
}
