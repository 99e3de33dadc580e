// deploy/k8s/, checked without a cluster (issue 17): every YAML file parses and every document
// has the shape Kubernetes needs; the workloads' selectors, images, probes and ports agree; and
// every variable an app reads (its zod schema in src/config.ts) is set in its container or has
// a default there, so an app that gains a required variable fails here until the manifests
// set it. Only the manifests are read; no app is started.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DashboardConfigSchema } from '@plexhook/dashboard';
import { IngestConfigSchema } from '@plexhook/ingest';
import { hashTagPrefix, WEBHOOK_QUEUE } from '@plexhook/queue';
import { WorkerConfigSchema } from '@plexhook/worker';
import { parseAllDocuments } from 'yaml';
import type { z } from 'zod';

const K8S = join(__dirname, '..', 'deploy', 'k8s');

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, checked field by field below
type Doc = Record<string, any>;
type Loaded = { file: string; doc: Doc };

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yamlFiles(path, out);
    else if (/\.ya?ml$/.test(entry.name)) out.push(path);
  }
  return out.sort();
}

const files = yamlFiles(K8S).map((abs) => relative(K8S, abs));
const loaded: Loaded[] = files.flatMap((file) => {
  const docs = parseAllDocuments(readFileSync(join(K8S, file), 'utf8'));
  if (!Array.isArray(docs)) throw new Error(`${file}: not a YAML stream`);
  return docs.map((d) => {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    return { file, doc: d.toJS() as Doc };
  });
});
/** The documents kustomization.yaml applies (the alternatives/ are parsed and checked too). */
const kustomization = loaded.find((l) => l.doc.kind === 'Kustomization')!.doc;
const applied = loaded
  .filter((l) => (kustomization.resources as string[]).includes(l.file))
  .map((l) => l.doc);
const find = (kind: string, name: string): Doc => {
  const doc = applied.find((d) => d.kind === kind && d.metadata?.name === name);
  if (!doc) throw new Error(`no ${kind}/${name} in the kustomization's resources`);
  return doc;
};

const configMap = find('ConfigMap', 'plexhook-config');
const secret = find('Secret', 'plexhook-secrets');
const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'Job'];
const podSpec = (workload: Doc): Doc => workload.spec.template.spec;
const container = (workload: Doc): Doc => podSpec(workload).containers[0];

/**
 * The environment a container gets: its ConfigMap and Secret envFrom, then `env` (literal
 * values; secretKeyRef/configMapKeyRef resolved against the manifests, so a reference to a key
 * that does not exist fails).
 */
function containerEnv(c: Doc): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, find('ConfigMap', from.configMapRef.name).data);
    else if (from.secretRef) Object.assign(env, find('Secret', from.secretRef.name).stringData);
    else throw new Error(`unsupported envFrom ${JSON.stringify(from)}`);
  }
  for (const v of c.env ?? []) {
    if (typeof v.value === 'string') env[v.name] = v.value;
    else if (v.valueFrom?.secretKeyRef) {
      const { name, key } = v.valueFrom.secretKeyRef;
      const value = find('Secret', name).stringData?.[key];
      if (typeof value !== 'string') throw new Error(`${v.name}: Secret ${name} has no key ${key}`);
      env[v.name] = value;
    } else if (v.valueFrom?.configMapKeyRef) {
      const { name, key } = v.valueFrom.configMapKeyRef;
      const value = find('ConfigMap', name).data?.[key];
      if (typeof value !== 'string') throw new Error(`${v.name}: ConfigMap ${name} has no key ${key}`);
      env[v.name] = value;
    } else throw new Error(`${v.name}: a value (a string) or a secretKeyRef/configMapKeyRef is expected`);
  }
  return env;
}

/** Valid stand-ins for the Secret template's placeholders, to parse the rest for real. */
const SECRET_STAND_INS: Record<string, string> = {
  DATABASE_URL: 'postgresql://plexhook:pw@postgres:5432/plexhook',
  REDIS_URL: 'redis://redis:6379',
  ADMIN_TOKEN: 'k8s-manifest-test-token-0123456789',
};
const withStandIns = (env: Record<string, string>) => {
  const out = { ...env };
  for (const key of Object.keys(out)) if (key in SECRET_STAND_INS) out[key] = SECRET_STAND_INS[key]!;
  return out;
};

// biome-ignore lint/suspicious/noExplicitAny: any zod object or object-with-transform
type AnySchema = z.ZodType<any, any>;
/** The object schema's fields (the dashboard's is wrapped in a transform: its input side). */
function shapeOf(schema: AnySchema): Record<string, AnySchema> {
  const s = schema as unknown as {
    shape?: Record<string, AnySchema>;
    in?: { shape?: Record<string, AnySchema> };
  };
  const shape = s.shape ?? s.in?.shape;
  if (!shape) throw new Error('not a zod object schema');
  return shape;
}

/**
 * Keys that must come from the environment in the manifests' mode: fields that do not accept
 * undefined (no default, not optional), plus what the whole schema refuses when only NODE_ENV
 * is given (ADMIN_TOKEN in production: optional field, required by the transform).
 */
function requiredKeys(schema: AnySchema, nodeEnv: string | undefined): string[] {
  const shape = shapeOf(schema);
  const required = new Set(Object.keys(shape).filter((key) => !shape[key]!.safeParse(undefined).success));
  const result = schema.safeParse(nodeEnv === undefined ? {} : { NODE_ENV: nodeEnv });
  if (!result.success) for (const issue of result.error.issues) required.add(String(issue.path[0]));
  return [...required].sort();
}

const APPS = [
  { name: 'ingest', kind: 'StatefulSet', schema: IngestConfigSchema as AnySchema, port: 'INGEST_PORT' },
  {
    name: 'worker',
    kind: 'Deployment',
    schema: WorkerConfigSchema as AnySchema,
    port: 'WORKER_METRICS_PORT',
  },
  {
    name: 'dashboard',
    kind: 'Deployment',
    schema: DashboardConfigSchema as AnySchema,
    port: 'DASHBOARD_PORT',
  },
] as const;

describe('deploy/k8s manifests', () => {
  test('every YAML file parses and every document has apiVersion, kind and metadata.name', () => {
    expect(files.length).toBeGreaterThan(5);
    for (const { file, doc } of loaded) {
      const where = `${file}: ${doc?.kind}/${doc?.metadata?.name}`;
      expect([where, typeof doc.apiVersion]).toEqual([where, 'string']);
      expect([where, typeof doc.kind]).toEqual([where, 'string']);
      if (doc.kind !== 'Kustomization') expect([where, typeof doc.metadata?.name]).toEqual([where, 'string']);
    }
  });

  test('kustomization.yaml lists every manifest in deploy/k8s/ (alternatives/ excepted) and nothing else', () => {
    const manifests = files.filter((f) => f !== 'kustomization.yaml' && !f.startsWith('alternatives/'));
    expect([...(kustomization.resources as string[])].sort()).toEqual(manifests);
  });

  test('workloads: selector matches the pod labels, containers have an image, probes use named ports that exist', () => {
    const workloads = loaded.filter((l) => WORKLOAD_KINDS.includes(l.doc.kind));
    expect(workloads.map((w) => `${w.doc.kind}/${w.doc.metadata.name}`).sort()).toEqual([
      'Deployment/dashboard',
      'Deployment/worker',
      'Job/migrate',
      'StatefulSet/ingest',
    ]);
    for (const { doc } of workloads) {
      const where = `${doc.kind}/${doc.metadata.name}`;
      const labels = doc.spec.template.metadata.labels;
      if (doc.kind !== 'Job') {
        const match = doc.spec.selector?.matchLabels ?? {};
        expect([where, Object.keys(match).length > 0]).toEqual([where, true]);
        for (const [k, v] of Object.entries(match)) expect([where, k, labels[k]]).toEqual([where, k, v]);
      }
      for (const c of podSpec(doc).containers) {
        expect([where, typeof c.image, c.image?.length > 0]).toEqual([where, 'string', true]);
        // The image name kustomize pins (images: in kustomization.yaml).
        expect([where, String(c.image).split(':')[0]]).toEqual([where, kustomization.images[0].name]);
        const portNames = (c.ports ?? []).map((p: Doc) => p.name);
        for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
          if (!c[probe]) continue;
          expect([where, probe, portNames.includes(c[probe].httpGet.port)]).toEqual([where, probe, true]);
        }
      }
    }
  });

  test('probes: paths, and ports equal to the port each app is configured to listen on', () => {
    const expected: Record<string, Record<string, string>> = {
      // Readiness on /healthz for ingest: /readyz is 503 during the Redis and PostgreSQL
      // outages ingest rides out (spool, secret cache); see deploy/k8s/README.md.
      ingest: { startupProbe: '/healthz', readinessProbe: '/healthz', livenessProbe: '/healthz' },
      worker: { readinessProbe: '/readyz', livenessProbe: '/healthz' },
      dashboard: { readinessProbe: '/healthz', livenessProbe: '/healthz' },
    };
    for (const app of APPS) {
      const c = container(find(app.kind, app.name));
      const env = containerEnv(c);
      const configured = shapeOf(app.schema)[app.port]!.parse(env[app.port]) as number;
      const containerPorts = new Map<string, number>(
        (c.ports ?? []).map((p: Doc) => [p.name, p.containerPort]),
      );
      expect([app.name, [...containerPorts.values()]]).toEqual([app.name, [configured]]);
      for (const [probe, path] of Object.entries(expected[app.name]!)) {
        const get = c[probe]?.httpGet;
        expect([app.name, probe, get?.path]).toEqual([app.name, probe, path]);
        expect([app.name, probe, containerPorts.get(get.port)]).toEqual([app.name, probe, configured]);
      }
      // Nothing else probes: an unexpected probe is a decision to make here too.
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        if (!(probe in expected[app.name]!))
          expect([app.name, probe, c[probe]]).toEqual([app.name, probe, undefined]);
      }
    }
  });

  test('Services target the ingest and dashboard ports by name', () => {
    for (const [name, app] of [
      ['ingest', 'ingest'],
      ['ingest-headless', 'ingest'],
      ['dashboard', 'dashboard'],
    ] as const) {
      const service = find('Service', name);
      const workload = find(APPS.find((a) => a.name === app)!.kind, app);
      const labels = workload.spec.template.metadata.labels;
      for (const [k, v] of Object.entries(service.spec.selector))
        expect([name, k, labels[k]]).toEqual([name, k, v]);
      const portNames = container(workload).ports.map((p: Doc) => p.name);
      for (const p of service.spec.ports)
        expect([name, portNames.includes(p.targetPort)]).toEqual([name, true]);
    }
    expect(find('StatefulSet', 'ingest').spec.serviceName).toBe('ingest-headless');
    expect(find('Service', 'ingest-headless').spec.clusterIP).toBe('None');
  });

  test('the required-variable check finds what it must: a field without a default, ADMIN_TOKEN in production', () => {
    const noDefault = IngestConfigSchema.extend({
      QUEUE_PREFIX: IngestConfigSchema.shape.QUEUE_PREFIX.unwrap(),
    });
    expect(requiredKeys(noDefault, 'production')).toEqual(['QUEUE_PREFIX']);
    expect(requiredKeys(DashboardConfigSchema, 'production')).toEqual(['ADMIN_TOKEN']);
    expect(requiredKeys(DashboardConfigSchema, undefined)).toEqual([]);
  });

  describe.each(APPS)('$name environment', (app) => {
    const c = container(find(app.kind, app.name));
    const env = containerEnv(c);
    const shape = shapeOf(app.schema);

    test('every variable the app reads without a default is set', () => {
      const missing = requiredKeys(app.schema, env.NODE_ENV).filter((key) => !(key in env));
      expect(missing).toEqual([]);
    });

    test('every variable set is one the app reads (shared ConfigMap keys aside), and the whole config parses', () => {
      const own = (c.env ?? []).map((v: Doc) => v.name).filter((name: string) => !(name in shape));
      expect(own).toEqual([]);
      const parsed = app.schema.safeParse(withStandIns(env));
      expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    });

    test('NODE_ENV=production and REDIS_ALLOW_NO_PERSISTENCE unset', () => {
      expect(env.NODE_ENV).toBe('production');
      expect(env.REDIS_ALLOW_NO_PERSISTENCE).toBeUndefined();
    });

    test('Secret template placeholders are refused by the app (an unedited apply does not start)', () => {
      const secretKeys = Object.keys(env).filter((key) => key in (secret.stringData ?? {}));
      expect(secretKeys.length).toBeGreaterThan(0);
      expect(app.schema.safeParse(env).success).toBe(false);
    });
  });

  test('every key of the shared ConfigMap and the Secret is read by some app', () => {
    const read = new Set(APPS.flatMap((a) => Object.keys(shapeOf(a.schema))));
    const unread = [...Object.keys(configMap.data), ...Object.keys(secret.stringData)].filter(
      (k) => !read.has(k),
    );
    expect(unread).toEqual([]);
    expect(Object.keys(secret.stringData).sort()).toEqual(['ADMIN_TOKEN', 'DATABASE_URL', 'REDIS_URL']);
    expect(new Set(Object.values(secret.stringData))).toEqual(new Set(['REPLACE_ME']));
  });

  test('Redis topology variables: in the ConfigMap, one server by default, each app reads them', () => {
    for (const key of [
      'REDIS_SENTINELS',
      'REDIS_SENTINEL_NAME',
      'REDIS_CLUSTER_NODES',
      'REDIS_WAIT_REPLICAS',
    ]) {
      expect([key, key in configMap.data]).toEqual([key, true]);
      for (const app of APPS)
        expect([app.name, key, key in shapeOf(app.schema)]).toEqual([app.name, key, true]);
    }
    const worker = WorkerConfigSchema.parse(
      withStandIns(containerEnv(container(find('Deployment', 'worker')))),
    );
    expect(worker.REDIS_SENTINELS).toBeUndefined();
    expect(worker.REDIS_CLUSTER_NODES).toBeUndefined();
    expect(worker.LOG_RETENTION_DAYS).toBe(180);
  });

  test('the migration Job runs npm run db:migrate with DATABASE_URL', () => {
    const job = find('Job', 'migrate');
    const c = container(job);
    expect(c.command).toEqual(['npm', 'run', 'db:migrate']);
    expect(containerEnv(c).DATABASE_URL).toBeDefined();
    expect(podSpec(job).restartPolicy).toMatch(/^(OnFailure|Never)$/);
  });

  test('ingest: ≥2 replicas, a spool volume claim per pod mounted at SPOOL_DIR, a PodDisruptionBudget', () => {
    const ingest = find('StatefulSet', 'ingest');
    expect(ingest.spec.replicas).toBeGreaterThanOrEqual(2);
    const env = containerEnv(container(ingest));
    const claim = ingest.spec.volumeClaimTemplates.find((t: Doc) => t.metadata.name === 'spool');
    expect(claim.spec.accessModes).toEqual(['ReadWriteOnce']);
    const mount = container(ingest).volumeMounts.find((m: Doc) => m.name === 'spool');
    expect(mount.mountPath).toBe(env.SPOOL_DIR);
    // The spool's own limit stays below the volume's size: 503 before a full disk.
    const gi = Number(/^(\d+)Gi$/.exec(claim.spec.resources.requests.storage)![1]);
    expect(Number(env.SPOOL_MAX_BYTES)).toBeLessThan(gi * 1024 ** 3);
    // The volume is writable by the image's `node` user.
    expect(podSpec(ingest).securityContext.fsGroup).toBe(1000);
    const pdb = find('PodDisruptionBudget', 'ingest');
    expect(pdb.spec.selector.matchLabels).toEqual(ingest.spec.selector.matchLabels);
  });

  test('grace periods outlast the apps’ own shutdown timeouts', () => {
    const ingest = find('StatefulSet', 'ingest');
    const ingestEnv = IngestConfigSchema.parse(withStandIns(containerEnv(container(ingest))));
    const preStop = Number(container(ingest).lifecycle?.preStop?.exec?.command?.[1] ?? 0);
    // preStop, the http drain, ingest's 5 s hard-exit margin, then at least 5 s to spare.
    const ingestNeeds = preStop + ingestEnv.INGEST_SHUTDOWN_TIMEOUT_MS / 1000 + 5 + 5;
    expect(podSpec(ingest).terminationGracePeriodSeconds).toBeGreaterThanOrEqual(ingestNeeds);

    const worker = find('Deployment', 'worker');
    const workerEnv = WorkerConfigSchema.parse(withStandIns(containerEnv(container(worker))));
    expect(podSpec(worker).terminationGracePeriodSeconds).toBeGreaterThanOrEqual(
      workerEnv.SHUTDOWN_TIMEOUT_MS / 1000 + 10,
    );
  });

  test('ingest memory limit fits its bounded heap (--max-old-space-size plus young generation)', () => {
    const c = container(find('StatefulSet', 'ingest'));
    const flag = (name: string) =>
      Number((c.command as string[]).find((a) => a.startsWith(`--${name}=`))!.split('=')[1]);
    const heapMi = flag('max-old-space-size') + 3 * flag('max-semi-space-size');
    const mi = (v: string) => Number(/^(\d+)Mi$/.exec(v)![1]);
    expect(mi(c.resources.limits.memory)).toBeGreaterThanOrEqual(heapMi + 64);
    expect(mi(c.resources.requests.memory)).toBeGreaterThanOrEqual(heapMi);
  });

  test('worker scaling: KEDA redis trigger on <QUEUE_PREFIX>:plex-webhooks:wait, floor ≥1; HPA alternative on the same Deployment', () => {
    const scaled = find('ScaledObject', 'worker');
    expect(scaled.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'worker' });
    const trigger = scaled.spec.triggers[0];
    expect(trigger.type).toBe('redis');
    const prefix = containerEnv(container(find('Deployment', 'worker'))).QUEUE_PREFIX;
    expect(trigger.metadata.listName).toBe(`${prefix}:${WEBHOOK_QUEUE}:wait`);
    expect(Number(trigger.metadata.listLength)).toBeGreaterThan(0);
    // Never zero: delayed retries are promoted and the dead-letter sweep runs only in a worker.
    expect(scaled.spec.minReplicaCount).toBeGreaterThanOrEqual(1);

    // The Sentinel and Cluster alternatives read the same list; in cluster mode the apps
    // hash-tag the prefix ({plexhook}), so the list's name does too.
    const alternative = (type: string) =>
      loaded.find((l) => l.doc.kind === 'ScaledObject' && l.doc.spec.triggers[0].type === type)!;
    const sentinel = alternative('redis-sentinel');
    const cluster = alternative('redis-cluster');
    for (const a of [sentinel, cluster]) {
      expect(a.file).toMatch(/^alternatives\//);
      expect(a.doc.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'worker' });
      expect(a.doc.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    }
    expect(sentinel.doc.spec.triggers[0].metadata.listName).toBe(`${prefix}:${WEBHOOK_QUEUE}:wait`);
    expect(sentinel.doc.spec.triggers[0].metadata.sentinelMaster).toBe(configMap.data.REDIS_SENTINEL_NAME);
    expect(cluster.doc.spec.triggers[0].metadata.listName).toBe(
      `${hashTagPrefix(String(prefix))}:${WEBHOOK_QUEUE}:wait`,
    );

    const hpa = loaded.find((l) => l.doc.kind === 'HorizontalPodAutoscaler')!;
    expect(hpa.file).toMatch(/^alternatives\//);
    expect(hpa.doc.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'worker' });
    expect(hpa.doc.spec.minReplicas).toBeGreaterThanOrEqual(1);
  });
});
