/**
 * The admin API's routes (docs/dashboard.md lists them with their shapes): each a path pattern and,
 * per method, what it asks of FleetAdmin and how it answers. The server (admin-server.ts) does the
 * rest: the token, the body, the status of an error.
 */
import type { FleetAdmin } from './fleet-admin.ts';
import { parseDeviceName, parseNewDevice, parseQuestionsQuery, parseRolloutId, parseSeriesQuery, parseStartRollout, type JsonObject } from './api-requests.ts';
import { questionView } from './api-views.ts';
import { PROMETHEUS_CONTENT_TYPE, renderMetrics } from './prometheus.ts';

export type ApiReply =
  | { readonly status: number; readonly json: unknown }
  | { readonly status: number; readonly text: string; readonly contentType: string };

export interface RouteContext {
  readonly admin: FleetAdmin;
  /** The node's name, for the dashboard's header. */
  readonly nodeName: string;
  /** The pattern's captures, still percent-encoded. */
  readonly params: readonly string[];
  readonly query: URLSearchParams;
  /** The request's JSON body (read on demand: GET and DELETE never read one). */
  readonly body: () => Promise<JsonObject>;
}

export type Method = 'GET' | 'POST' | 'DELETE';
export type Handler = (c: RouteContext) => Promise<ApiReply>;

export interface Route {
  readonly path: RegExp;
  readonly methods: Partial<Record<Method, Handler>>;
}

const ok = (json: unknown): ApiReply => ({ status: 200, json });
const created = (json: unknown): ApiReply => ({ status: 201, json });
const param = (c: RouteContext, i: number): string => c.params[i] ?? '';

export const ADMIN_ROUTES: readonly Route[] = [
  { path: /^\/api\/v1\/node$/, methods: { GET: async (c) => ok({ name: c.nodeName }) } },
  {
    path: /^\/api\/v1\/devices$/,
    methods: {
      GET: async (c) => ok({ devices: await c.admin.devices() }),
      POST: async (c) => {
        const d = parseNewDevice(await c.body());
        return created({ device: await c.admin.addDevice(d.name, d.publicKey) });
      },
    },
  },
  { path: /^\/api\/v1\/devices\/([^/]+)$/, methods: { DELETE: async (c) => ok({ device: await c.admin.revokeDevice(parseDeviceName(param(c, 0))) }) } },
  {
    path: /^\/api\/v1\/rollouts$/,
    methods: {
      GET: async (c) => ok({ rollouts: await c.admin.rollouts() }),
      POST: async (c) => created({ rollout: await c.admin.startRollout(parseStartRollout(await c.body())) }),
    },
  },
  { path: /^\/api\/v1\/rollouts\/([^/]+)$/, methods: { GET: async (c) => ok({ rollout: await c.admin.rollout(parseRolloutId(param(c, 0))) }) } },
  {
    path: /^\/api\/v1\/rollouts\/([^/]+)\/(pause|resume|abort)$/,
    methods: {
      POST: async (c) => {
        const id = parseRolloutId(param(c, 0));
        const command = param(c, 1);
        const rollout = command === 'pause' ? await c.admin.pauseRollout(id)
          : command === 'resume' ? await c.admin.resumeRollout(id)
            : await c.admin.abortRollout(id);
        return ok({ rollout });
      },
    },
  },
  {
    path: /^\/api\/v1\/questions$/,
    methods: {
      GET: async (c) => {
        const q = parseQuestionsQuery(c.query);
        const questions = await c.admin.questions(q);
        // `next`: what to pass as `since` to get the questions after these; with none new, the same again.
        const next = questions.length > 0 ? questions[questions.length - 1]!.seq : (q.afterSeq ?? null);
        return ok({ questions: questions.map(questionView), next });
      },
    },
  },
  { path: /^\/api\/v1\/offload-series$/, methods: { GET: async (c) => ok({ points: await c.admin.offloadSeries(parseSeriesQuery(c.query)) }) } },
  { path: /^\/metrics$/, methods: { GET: async (c) => ({ status: 200, text: renderMetrics(await c.admin.metrics()), contentType: PROMETHEUS_CONTENT_TYPE }) } },
];

/** The route whose pattern matches `pathname`, with its captures; undefined for none. */
export function matchRoute(pathname: string): { route: Route; params: string[] } | undefined {
  for (const route of ADMIN_ROUTES) {
    const m = route.path.exec(pathname);
    if (m !== null) return { route, params: m.slice(1) };
  }
  return undefined;
}
