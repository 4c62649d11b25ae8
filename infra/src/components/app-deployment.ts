/**
 * A model app deployed on the VM (an app with a `deploy` section): its generated secrets
 * (`@pulumi/random`, secret from birth), Docker networks, named volumes, images pinned by
 * digest (or built by the VM's daemon) and hardened containers, exactly as the gateway
 * package's `planAppDeployment` lays them out. Secrets reach containers only as files.
 */
import { isAbsolute, resolve } from 'node:path';
import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { renderClientOptions, type AppDeploymentPlan, type FilePlan, type ImageSource } from '@booxstream/gateway';
import { declareContainer, planContainerArgs, planUploads } from './app-container.js';

export interface AppDeploymentArgs {
  plan: AppDeploymentPlan;
  /** The VM's Docker (the same provider the BooxStream server uses). */
  provider: docker.Provider;
  /** Build contexts are relative to it. */
  projectDir: string;
  /** The VM's platform, for builds. */
  platform: string;
}

export class AppDeployment extends pulumi.ComponentResource {
  /** Container name → its image id. */
  readonly images: pulumi.Output<Record<string, string>>;
  readonly containerNames: pulumi.Output<string[]>;

  constructor(name: string, args: AppDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('booxstream:app:AppDeployment', name, {}, opts);
    const { plan, provider } = args;
    const child = { parent: this, provider };

    // Generated once and kept in the state, encrypted: alphanumeric so they need no quoting in
    // option files or env-from-file readers.
    const secrets: Record<string, pulumi.Output<string>> = {};
    for (const s of plan.secrets) {
      if (s.format === 'laravel-key') {
        const bytes = new random.RandomBytes(`${plan.app}-${s.name}`, { length: 32 }, { parent: this });
        secrets[s.name] = pulumi.secret(pulumi.interpolate`base64:${bytes.base64}`);
      } else {
        const pw = new random.RandomPassword(`${plan.app}-${s.name}`, { length: 32, special: false }, { parent: this });
        secrets[s.name] = pulumi.secret(pw.result);
      }
    }
    const secretOf = (id: string): pulumi.Output<string> => {
      const value = secrets[id];
      if (!value) throw new Error(`app ${plan.app}: secret ${id} is not generated`);
      return value;
    };
    const content = (file: FilePlan): pulumi.Input<string> => {
      const c = file.content;
      if (c.kind === 'text') return c.text;
      if (c.kind === 'secret') return secretOf(c.secret);
      return pulumi.secret(
        secretOf(c.secret).apply((password) =>
          renderClientOptions({ user: c.user, password, ...(c.host !== undefined ? { host: c.host } : {}), ...(c.port !== undefined ? { port: c.port } : {}) }),
        ),
      );
    };

    const networks: Record<string, pulumi.Output<string>> = {};
    for (const n of plan.networks) {
      const network = new docker.Network(
        `${n.name}-network`,
        {
          name: n.name,
          driver: 'bridge',
          internal: n.internal,
          ...(n.subnet !== undefined ? { ipamConfigs: [{ subnet: n.subnet }] } : {}),
          labels: [{ label: 'app', value: plan.app }],
        },
        { ...child, deleteBeforeReplace: true },
      );
      networks[n.name] = network.name;
    }

    const volumes: Record<string, pulumi.Output<string>> = {};
    for (const v of plan.volumes) {
      // Data volumes outlive the stack (`docker volume rm` is a deliberate act); the ones the
      // program rewrites on every container (secrets, config) do not.
      const keep = v.backup || v.name.endsWith('-db-data');
      const volume = new docker.Volume(
        `${v.name}-volume`,
        { name: v.name, labels: [{ label: 'app', value: plan.app }] },
        { ...child, deleteBeforeReplace: true, ...(keep ? { retainOnDelete: true } : {}) },
      );
      volumes[v.name] = volume.name;
    }

    const images: Record<string, pulumi.Output<string>> = {};
    const containers = new Map<string, docker.Container>();
    const database = `${plan.app}-db`;
    // The database first; the app and the exporter wait for it to be healthy (`wait: true`).
    const order = [...plan.containers].sort((x, y) => Number(x.name !== database) - Number(y.name !== database));
    for (const c of order) {
      const image = this.image(c.name, c.image, args);
      images[c.name] = image;
      const db = c.name !== database ? containers.get(database) : undefined;
      const container = declareContainer(
        `${c.name}-container`,
        planContainerArgs(c, { image, networks, volumes, uploads: planUploads(c.files, content), app: plan.app }),
        { ...child, ...(db ? { dependsOn: [db] } : {}) },
      );
      containers.set(c.name, container);
    }

    this.images = pulumi.all(images);
    this.containerNames = pulumi.all([...containers.values()].map((c) => c.name));
    this.registerOutputs({ images: this.images, containerNames: this.containerNames });
  }

  private image(container: string, source: ImageSource, args: AppDeploymentArgs): pulumi.Output<string> {
    const opts = { parent: this, provider: args.provider };
    if ('pull' in source) {
      // The digest in the reference is what Docker pulls and runs; keepLocally so a destroy
      // does not delete an image another container may share.
      return new docker.RemoteImage(`${container}-image`, { name: source.pull, keepLocally: true }, opts).imageId;
    }
    const context = isAbsolute(source.build.context) ? source.build.context : resolve(args.projectDir, source.build.context);
    return new docker.Image(
      `${container}-image`,
      {
        imageName: `${container}:latest`,
        build: { context, dockerfile: resolve(context, source.build.dockerfile), platform: args.platform },
        skipPush: true,
        buildOnPreview: false,
      },
      opts,
    ).repoDigest;
  }
}
