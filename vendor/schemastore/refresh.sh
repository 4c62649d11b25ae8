#!/usr/bin/env bash
# Refresh the vendored SchemaStore schemas from json.schemastore.org, then print their
# sha256 so SOURCE.md can be updated with the new digests and date. Run by hand (needs
# network); tests never fetch anything.
set -euo pipefail
cd "$(dirname "$0")"
for name in traefik-v3-file-provider traefik-v3 pulumi; do
  curl -fsSL "https://json.schemastore.org/${name}.json" -o "${name}.json.new"
  mv "${name}.json.new" "${name}.json"
done
sha256sum traefik-v3-file-provider.json traefik-v3.json pulumi.json
echo "Now update the digests and the date in SOURCE.md, and run the tests that use them:"
echo "  pnpm exec vitest run packages/gateway/src/render/traefik.test.ts infra/test/project-files.test.ts"
