/**
 * The BooxStream gateway, in one `pulumi up`: the Cloudflare tunnel's routes and DNS, each
 * app's Traefik file and authentik objects, and the BooxStream server on its VM.
 * See README.md for the config keys; src/program.ts for what is declared.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as pulumi from '@pulumi/pulumi';
import { loadStackConfig } from './src/config.js';
import { declareGateway } from './src/program.js';
import { pulumiConfigSource } from './src/pulumi-config-source.js';

const projectDir = dirname(fileURLToPath(import.meta.url));
const config = loadStackConfig(pulumiConfigSource(), { readFile: (path) => readFileSync(resolve(projectDir, path), 'utf8') });
const outputs = declareGateway(config, { projectDir, stack: pulumi.getStack() });

export const appUrls = outputs.appUrls;
export const authentikApplicationSlug = outputs.authentikApplicationSlug;
export const authentikApplicationSlugs = outputs.authentikApplicationSlugs;
export const renderedFileHashes = outputs.renderedFileHashes;
export const serverImage = outputs.serverImage;
export const verify = outputs.verify;
export const deployedContainers = outputs.deployedContainers;
export const metricsTargets = outputs.metricsTargets;
export const backupHooks = outputs.backupHooks;
export const observability = outputs.observability;
