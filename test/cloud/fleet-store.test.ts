/**
 * The fleet's records in the store (issue 16, cloud/fleet/fleet-store.ts): the same tests on SQLite
 * (a temp file) and on PostgreSQL when ELMA_TEST_POSTGRES names a server (a connection URL; .ci/run
 * starts one with test/cloud/_postgres.sh), each PostgreSQL test in a database of its own. Without it
 * the PostgreSQL variants are skips whose title says why.
 */
import { FleetError, STATUS_RETENTION_MS, type NewRollout, type RolloutState } from '../../cloud/fleet/fleet-store.ts';
import { openStore, StoreError, type QuestionStore } from '../../cloud/store/question-store.ts';
import { BACKENDS, openForTest, postgres, sqlite } from './_store-backends.ts';
import { testUnless } from '../_skip.ts';
import { makeQuestion } from './_store-fixtures.ts';

/** The tables of a store of schema version 1 (before the fleet). */
const V1_TABLES = ['bundles', 'contexts', 'corrections', 'jobs', 'questions', 'schema_migrations'];
const FLEET_TABLES = ['device_status', 'devices', 'fleet_revision', 'rollout_events', 'rollouts', 'slot_reports'];

const open = openForTest;

/** A device's link key: 64 lowercase hex digits, distinct per n. */
const key = (n: number) => n.toString(16).padStart(64, '0');
const T0 = new Date('2025-03-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const HOUR = 3600_000;
const DAY = 24 * HOUR;

const plan = (over: Partial<NewRollout> = {}): NewRollout => ({
  modelId: 'elma-default', version: 2, stages: [5, 25, 100], haltAfterFailures: 2, stageMinDevices: 1, stageHoldMs: 90_000,
  members: [{ device: 'dev-a', stage: 0 }, { device: 'dev-b', stage: 0 }, { device: 'dev-c', stage: 1 }, { device: 'dev-d', stage: 2 }],
  createdAt: T0, ...over,
});

async function putBundles(s: QuestionStore, ...versions: number[]): Promise<void> {
  for (const v of versions) await s.putBundle('elma-default', v, new Uint8Array([1, 2, 3, v]), JSON.stringify({ version: v }));
}

for (const [b, reason] of BACKENDS) {
  const it = testUnless(reason);

  it(`${b.name}: devices are enrolled, listed by name and revoked; the revision grows with each change`, async (t) => {
    const s = await open(t, await b.fresh());
    t.deepEqual(await s.devices(), []);
    let rev = await s.fleetRevision();
    const grew = async (what: string) => {
      const now = await s.fleetRevision();
      t.true(now > rev, `${what}: revision ${rev} → ${now}`);
      rev = now;
    };
    t.deepEqual(await s.addDevice('jetson-07', key(7), at(0)), { name: 'jetson-07', publicKey: key(7), enrolledAt: at(0), revokedAt: null });
    await grew('enrol');
    await s.addDevice('alpha.1', key(1), at(1000));
    await grew('enrol');
    const before = Date.now();
    const d = await s.addDevice('zed_9', key(9));
    t.true(d.enrolledAt.getTime() >= before && d.enrolledAt.getTime() <= Date.now(), 'enrolled now when no time is given');
    await grew('enrol');
    t.deepEqual((await s.devices()).map((x) => x.name), ['alpha.1', 'jetson-07', 'zed_9']);
    t.deepEqual(await s.revokeDevice('jetson-07', at(HOUR)), { name: 'jetson-07', publicKey: key(7), enrolledAt: at(0), revokedAt: at(HOUR) });
    await grew('revoke');
    const listed = await s.devices();
    t.deepEqual(listed[1], { name: 'jetson-07', publicKey: key(7), enrolledAt: at(0), revokedAt: at(HOUR) });
    t.deepEqual(listed[0], { name: 'alpha.1', publicKey: key(1), enrolledAt: at(1000), revokedAt: null });
    t.true(listed[1]!.revokedAt instanceof Date);
  });

  it(`${b.name}: every refusal is a FleetError that changes nothing`, async (t) => {
    const s = await open(t, await b.fresh());
    await s.addDevice('dev-a', key(1), at(0));
    await s.addDevice('dev-old', key(2), at(0));
    await s.revokeDevice('dev-old', at(DAY));
    const rev = await s.fleetRevision();
    const refused = async (p: Promise<unknown>, message: RegExp) => {
      const e = await t.throwsAsync(p, { instanceOf: FleetError, message });
      t.false(e!.message.includes('\n'), e!.message);
    };
    for (const bad of ['', '-dev', 'dev a', 'dév', 'd'.repeat(65), 'a/b']) await refused(s.addDevice(bad, key(10)), /^device name .*must be 1-64 letters/);
    for (const bad of [key(10).toUpperCase().replace(/0/g, 'A'), key(10).slice(1), `${key(10).slice(1)}g`, '']) {
      await refused(s.addDevice('dev-new', bad), /^device "dev-new": key: must be 64 lowercase hex digits/);
    }
    await refused(s.addDevice('dev-a', key(11)), /^device "dev-a": is already enrolled$/);
    await refused(s.addDevice('dev-b', key(1)), /^device "dev-b": its key 00000000… is already enrolled as device "dev-a"$/);
    await refused(s.addDevice('dev-old', key(12)), /^device "dev-old": is already enrolled \(revoked on 2025-03-02T12:00:00.000Z; a revoked name stays taken\)$/);
    await refused(s.addDevice('dev-c', key(2)), /^device "dev-c": its key .* is already enrolled as device "dev-old" \(revoked; a revoked key stays taken\)$/);
    await refused(s.revokeDevice('nobody'), /^device "nobody": is not enrolled$/);
    await refused(s.revokeDevice('dev-old', at(2 * DAY)), /^device "dev-old": was already revoked on 2025-03-02T12:00:00.000Z$/);
    t.is(await s.fleetRevision(), rev, 'a refusal bumps no revision');
    t.deepEqual((await s.devices()).map((d) => [d.name, d.publicKey, d.revokedAt?.toISOString() ?? null]),
      [['dev-a', key(1), null], ['dev-old', key(2), at(DAY).toISOString()]]);
  });

  it(`${b.name}: the same name or key enrolled at once from two stores: exactly one wins`, async (t) => {
    const spec = await b.fresh();
    const stores = [await open(t, spec), await open(t, spec), await open(t, spec)];
    for (let round = 0; round < 8; round++) {
      // The same name with three keys; then one key under three names.
      const byName = await Promise.allSettled(stores.map((s, i) => s.addDevice(`race-${round}`, key(1000 * round + i + 1))));
      const byKey = await Promise.allSettled(stores.map((s, i) => s.addDevice(`key-race-${round}-${i}`, key(1_000_000 + round))));
      for (const results of [byName, byKey]) {
        t.is(results.filter((r) => r.status === 'fulfilled').length, 1, JSON.stringify(results.map((r) => r.status)));
        for (const r of results) if (r.status === 'rejected') t.true(r.reason instanceof FleetError, String(r.reason));
      }
    }
    const devices = await stores[0]!.devices();
    t.is(devices.length, 16);
    t.is(new Set(devices.map((d) => d.publicKey)).size, 16);
  });

  it(`${b.name}: status samples: oldest first, filtered, kept for STATUS_RETENTION_MS; no revision change`, async (t) => {
    const s = await open(t, await b.fresh());
    const rev = await s.fleetRevision();
    await s.recordStatus('dev-a', { questions: 1, model_id: 'elma-default', trial: false }, at(0));
    await s.recordStatus('dev-b', { questions: 5 }, at(0));
    await s.recordStatus('dev-a', { questions: 3 }, at(DAY));
    await s.recordStatus('dev-a', { questions: 2 }, at(HOUR));
    await s.recordStatus('dev-a', { questions: 4 }, at(HOUR)); // the same time: in the order kept
    t.deepEqual((await s.statusSamples({ device: 'dev-a' })).map((x) => x.body['questions']), [1, 2, 4, 3]);
    t.deepEqual(await s.statusSamples({ device: 'dev-b' }), [{ device: 'dev-b', at: at(0), body: { questions: 5 } }]);
    t.deepEqual((await s.statusSamples()).map((x) => `${x.device}:${x.body['questions']}`), ['dev-a:1', 'dev-b:5', 'dev-a:2', 'dev-a:4', 'dev-a:3']);
    t.deepEqual((await s.statusSamples({ since: at(HOUR) })).map((x) => x.body['questions']), [2, 4, 3], 'since is inclusive');
    t.deepEqual((await s.statusSamples({ device: 'dev-b', since: at(1) })), []);
    t.deepEqual((await s.statusSamples({ device: 'dev-a' }))[0], { device: 'dev-a', at: at(0), body: { questions: 1, model_id: 'elma-default', trial: false } });
    // A sample at 0 + retention + 1 h: dev-a's samples older than 1 h go; exactly 1 h old stays; dev-b's are not dev-a's to prune.
    await s.recordStatus('dev-a', { questions: 9 }, at(STATUS_RETENTION_MS + HOUR));
    t.deepEqual((await s.statusSamples({ device: 'dev-a' })).map((x) => x.body['questions']), [2, 4, 3, 9]);
    t.is((await s.statusSamples({ device: 'dev-b' })).length, 1);
    await s.recordStatus('dev-a', { questions: 10 }, at(STATUS_RETENTION_MS + 2 * DAY));
    t.deepEqual((await s.statusSamples({ device: 'dev-a' })).map((x) => x.body['questions']), [9, 10]);
    t.is(await s.fleetRevision(), rev, 'status reports are no fleet change');
    await t.throwsAsync(s.recordStatus('dev-a', { nested: { x: 1 } } as never), { instanceOf: TypeError, message: /field "nested"/ });
    await t.throwsAsync(s.recordStatus('dev-a', { n: Number.NaN }), { instanceOf: TypeError });
    await t.throwsAsync(s.recordStatus('bad name', { n: 1 }), { instanceOf: FleetError });
  });

  it(`${b.name}: a slot report is kept once per (device, report_id), also after reopening; no revision change`, async (t) => {
    const spec = await b.fresh();
    const s = await open(t, spec);
    const rev = await s.fleetRevision();
    const good = { event: 'good', version: 2, reason: '', report_id: 'r-1' };
    t.true(await s.recordSlotReport('dev-a', good, at(2000)));
    t.false(await s.recordSlotReport('dev-a', { ...good, event: 'rolled-back' }, at(3000)), 'a repeat changes nothing');
    t.true(await s.recordSlotReport('dev-b', good, at(1000)), 'the same id from another device is another report');
    t.true(await s.recordSlotReport('dev-a', { event: 'installed', version: 2 }, at(500)), 'no report_id: always kept');
    t.true(await s.recordSlotReport('dev-a', { event: 'installed', version: 2 }, at(500)));
    t.true(await s.recordSlotReport('dev-a', { event: 'refused', version: 3, report_id: 7 }, at(4000)), 'a report_id that is not text does not count');
    t.true(await s.recordSlotReport('dev-a', { event: 'refused', version: 3, report_id: 7 }, at(4000)));
    t.deepEqual((await s.slotReports()).map((r) => `${r.device}:${r.body['event']}@${r.at.getTime() - T0.getTime()}`),
      ['dev-a:installed@500', 'dev-a:installed@500', 'dev-b:good@1000', 'dev-a:good@2000', 'dev-a:refused@4000', 'dev-a:refused@4000']);
    t.deepEqual(await s.slotReports({ device: 'dev-b' }), [{ device: 'dev-b', at: at(1000), body: good }]);
    t.deepEqual((await s.slotReports({ device: 'dev-a', since: at(2000) })).map((r) => r.body['event']), ['good', 'refused', 'refused']);
    t.is(await s.fleetRevision(), rev);
    await s.close();
    const s2 = await open(t, spec);
    t.false(await s2.recordSlotReport('dev-a', good, at(9000)));
    t.is((await s2.slotReports()).length, 6);
  });

  it(`${b.name}: a rollout is created running at stage 0 with its events; bad plans and missing bundles are refused`, async (t) => {
    const s = await open(t, await b.fresh());
    let rev = await s.fleetRevision();
    await t.throwsAsync(s.createRollout(plan()), { instanceOf: FleetError, message: /^bundle elma-default v2: is not in the store$/ });
    await putBundles(s, 1, 2);
    t.is(await s.fleetRevision(), rev, 'publishing is no fleet change');
    for (const [stages, message] of [
      [[5, 25, 90], /^stages: must end at 100 \(the whole fleet\), not 90$/],
      [[25, 5, 100], /^stages: must increase: 25 then 5$/],
      [[5, 5, 100], /^stages: must increase: 5 then 5$/],
      [[], /^stages: must list at least one percentage/],
      [[0, 100], /^stages: stage 1 is 0: each must be a percentage in \(0, 100\]$/],
      [[50, 150], /^stages: stage 2 is 150/],
    ] as [number[], RegExp][]) {
      await t.throwsAsync(s.createRollout(plan({ stages })), { instanceOf: FleetError, message }, JSON.stringify(stages));
    }
    await t.throwsAsync(s.createRollout(plan({ haltAfterFailures: 0 })), { instanceOf: FleetError, message: /^halt-after-failures/ });
    await t.throwsAsync(s.createRollout(plan({ members: [{ device: 'dev-a', stage: 3 }] })), { instanceOf: FleetError, message: /^rollout member "dev-a": stage 3/ });
    await t.throwsAsync(s.createRollout(plan({ version: 1.5 })), { instanceOf: FleetError, message: /v1.5/ });
    t.is(await s.fleetRevision(), rev);
    t.deepEqual(await s.rollouts(), []);

    const r = await s.createRollout(plan());
    t.true(await s.fleetRevision() > rev);
    rev = await s.fleetRevision();
    t.true(Number.isSafeInteger(r.id));
    t.deepEqual(r, { ...plan(), id: r.id, state: 'running', stage: 0, stageOpenedAt: T0, reason: '', updatedAt: T0 });
    t.deepEqual(await s.rollout(r.id), r);
    t.is(await s.rollout(r.id + 1000), undefined);
    const events = await s.rolloutEvents(r.id);
    t.deepEqual(events.map((e) => [e.rolloutId, e.kind, e.detail, e.at.getTime()]), [
      [r.id, 'created', 'model elma-default version 2, stages 5,25,100, halt after 2 failures, at least 1 device a stage, hold 90 s, 4 devices', T0.getTime()],
      [r.id, 'stage-opened', 'stage 1 (5%): dev-a, dev-b', T0.getTime()],
    ]);
    t.true(events[1]!.seq > events[0]!.seq);
    t.deepEqual(await s.rolloutEvents(r.id + 1000), []);

    // One running or paused rollout per bundle; another version may roll out beside it.
    await t.throwsAsync(s.createRollout(plan({ createdAt: at(1) })), { instanceOf: FleetError, message: new RegExp(`^bundle elma-default v2: is already being rolled out \\(rollout ${r.id}, running\\)`) });
    const paused = await s.changeRollout(r.id, { state: 'running', stage: 0 }, { state: 'paused', reason: 'by hand' }, { kind: 'paused', detail: 'paused by hand', at: at(2) });
    t.like(paused, { state: 'paused', reason: 'by hand' });
    await t.throwsAsync(s.createRollout(plan({ createdAt: at(3) })), { instanceOf: FleetError, message: /paused/ });
    const r1 = await s.createRollout(plan({ version: 1, stages: [100], members: [], createdAt: at(4) }));
    t.deepEqual((await s.rolloutEvents(r1.id)).map((e) => e.detail), [
      'model elma-default version 1, stages 100, halt after 2 failures, at least 1 device a stage, hold 90 s, 0 devices', 'stage 1 (100%): no devices',
    ]);
    await s.changeRollout(r.id, { state: 'paused', stage: 0 }, { state: 'aborted', reason: 'aborted by hand' }, { kind: 'aborted', detail: 'aborted by hand', at: at(5) });
    const again = await s.createRollout(plan({ createdAt: at(6) }));
    t.true(again.id > r1.id && r1.id > r.id);
    t.deepEqual((await s.rollouts()).map((x) => [x.id, x.version, x.state]), [[r.id, 2, 'aborted'], [r1.id, 1, 'running'], [again.id, 2, 'running']]);
    // Bringing the aborted one back while another of its bundle runs is refused too.
    await t.throwsAsync(s.changeRollout(r.id, { state: 'aborted', stage: 0 }, { state: 'running' }, { kind: 'resumed', detail: 'x', at: at(7) }),
      { instanceOf: FleetError, message: new RegExp(`is already being rolled out \\(rollout ${again.id}, running\\)`) });
    t.is((await s.rollout(r.id))!.state, 'aborted');
  });

  it(`${b.name}: a rollout's bundle is stored with it in one transaction: a refused rollout leaves no bundle behind`, async (t) => {
    const s = await open(t, await b.fresh());
    const bytes = { tar: new Uint8Array([9, 8, 7]), indexJson: '{"v":2}' };
    await t.throwsAsync(s.createRollout(plan({ stages: [50] }), bytes), { instanceOf: FleetError });
    t.deepEqual(await s.bundleVersions('elma-default'), []);
    const r = await s.createRollout(plan(), bytes);
    t.deepEqual(await s.bundle('elma-default', 2), { tar: bytes.tar, indexJson: bytes.indexJson });
    // A second rollout of the same bundle while r runs is refused; the bundle stays as it was.
    await t.throwsAsync(s.createRollout(plan({ createdAt: at(1) }), bytes), { instanceOf: FleetError, message: /is already being rolled out/ });
    t.deepEqual(await s.bundleVersions('elma-default'), [2]);
    // Other bytes under a stored version are refused whole, rollout and all.
    await s.changeRollout(r.id, { state: 'running', stage: 0 }, { state: 'aborted' }, { kind: 'aborted', detail: 'x', at: at(3) });
    await t.throwsAsync(s.createRollout(plan({ createdAt: at(4) }), { tar: new Uint8Array([1]), indexJson: '{}' }), { instanceOf: StoreError, message: /already published with other contents/ });
    t.is((await s.rollouts()).filter((x) => x.version === 2 && x.state === 'running').length, 0);
  });

  it(`${b.name}: changeRollout is a compare-and-set with its event; a stale expectation changes and records nothing`, async (t) => {
    const s = await open(t, await b.fresh());
    await putBundles(s, 2);
    const r = await s.createRollout(plan());
    let rev = await s.fleetRevision();
    const opened = await s.changeRollout(r.id, { state: 'running', stage: 0 }, { stage: 1, stageOpenedAt: at(HOUR) },
      { kind: 'stage-opened', detail: 'stage 2 (25%): dev-c', at: at(HOUR) });
    t.deepEqual(opened, { ...r, stage: 1, stageOpenedAt: at(HOUR), updatedAt: at(HOUR) });
    t.deepEqual(await s.rollout(r.id), opened);
    t.true(await s.fleetRevision() > rev);
    rev = await s.fleetRevision();
    // The same step again (another node's stale view): refused, nothing recorded, no revision.
    for (const expect of [{ state: 'running', stage: 0 }, { state: 'paused', stage: 1 }, { state: 'completed', stage: 2 }] as { state: RolloutState; stage: number }[]) {
      t.is(await s.changeRollout(r.id, expect, { stage: 2 }, { kind: 'stage-opened', detail: 'stale', at: at(2 * HOUR) }), undefined, JSON.stringify(expect));
    }
    t.is(await s.changeRollout(r.id + 1000, { state: 'running', stage: 1 }, { stage: 2 }, { kind: 'stage-opened', detail: 'none' }), undefined);
    t.is(await s.fleetRevision(), rev);
    t.deepEqual(await s.rollout(r.id), opened);
    await t.throwsAsync(s.changeRollout(r.id, { state: 'running', stage: 1 }, { stage: 3 }, { kind: 'stage-opened', detail: 'x' }),
      { instanceOf: FleetError, message: new RegExp(`^rollout ${r.id}: stage 3 is not one of its 3 stages$`) });
    await t.throwsAsync(s.changeRollout(r.id, { state: 'running', stage: 1 }, { state: 'gone' as RolloutState }, { kind: 'x', detail: 'x' }), { instanceOf: TypeError });
    t.is(await s.fleetRevision(), rev);
    const halted = await s.changeRollout(r.id, { state: 'running', stage: 1 }, { state: 'halted', reason: '2 rolled back' },
      { kind: 'halted', detail: 'halted: dev-a, dev-c rolled back', at: at(3 * HOUR) });
    t.like(halted, { state: 'halted', stage: 1, reason: '2 rolled back', stageOpenedAt: at(HOUR), updatedAt: at(3 * HOUR) });
    const events = await s.rolloutEvents(r.id);
    t.deepEqual(events.map((e) => e.kind), ['created', 'stage-opened', 'stage-opened', 'halted']);
    t.deepEqual(events.map((e) => e.at.getTime() - T0.getTime()), [0, 0, HOUR, 3 * HOUR]);
    for (let i = 1; i < events.length; i++) t.true(events[i]!.seq > events[i - 1]!.seq);
  });

  it(`${b.name}: two stores opening the same stage at once: exactly one does; two creating the same rollout: one does`, async (t) => {
    const spec = await b.fresh();
    const stores = [await open(t, spec), await open(t, spec), await open(t, spec)];
    await putBundles(stores[0]!, 2, 3);
    const r = await stores[0]!.createRollout(plan());
    const results = await Promise.all(stores.map((s, i) => s.changeRollout(r.id, { state: 'running', stage: 0 }, { stage: 1, stageOpenedAt: at(i) },
      { kind: 'stage-opened', detail: `by node ${i}`, at: at(i) })));
    t.is(results.filter((x) => x !== undefined).length, 1);
    t.deepEqual((await stores[1]!.rolloutEvents(r.id)).map((e) => e.kind), ['created', 'stage-opened', 'stage-opened']);
    const created = await Promise.allSettled(stores.map((s, i) => s.createRollout(plan({ version: 3, createdAt: at(i) }))));
    t.is(created.filter((x) => x.status === 'fulfilled').length, 1);
    for (const x of created) if (x.status === 'rejected') t.true(x.reason instanceof FleetError, String(x.reason));
    t.is((await stores[2]!.rollouts()).length, 2);
  });

  it(`${b.name}: bundle() reads one published version`, async (t) => {
    const s = await open(t, await b.fresh());
    await putBundles(s, 1, 2);
    const got = await s.bundle('elma-default', 2);
    t.deepEqual(Array.from(got!.tar), [1, 2, 3, 2]);
    t.is(got!.indexJson, '{"version":2}');
    t.is(await s.bundle('elma-default', 3), undefined);
    t.is(await s.bundle('other', 1), undefined);
  });

  it(`${b.name}: a store of schema version 1 takes migration 2 when opened; everything survives reopening`, async (t) => {
    const spec = await b.fresh();
    // A version-1 store, as the code before the fleet left it: the new schema without migration 2's tables and row.
    let s = await openStore(spec);
    t.true(await s.add(makeQuestion(1)));
    await putBundles(s, 2);
    await s.close();
    await b.exec(spec, `${FLEET_TABLES.map((x) => `DROP TABLE ${x}${b === postgres ? ' CASCADE' : ''};`).join(' ')} DELETE FROM schema_migrations WHERE version = 2;`);
    t.deepEqual(await b.tables(spec), V1_TABLES);

    s = await open(t, spec);
    t.deepEqual(await b.tables(spec), [...V1_TABLES, ...FLEET_TABLES].sort());
    t.is(await s.count(), 1);
    t.is(await s.fleetRevision(), 0);
    await s.addDevice('dev-a', key(1), at(0));
    await s.revokeDevice('dev-a', at(HOUR));
    await s.addDevice('dev-b', key(2), at(0));
    await s.recordStatus('dev-b', { questions: 3 }, at(10));
    t.true(await s.recordSlotReport('dev-b', { event: 'good', version: 2, report_id: 'x' }, at(20)));
    const r = await s.createRollout(plan());
    await s.changeRollout(r.id, { state: 'running', stage: 0 }, { state: 'paused', reason: 'wait' }, { kind: 'paused', detail: 'wait', at: at(30) });
    const rev = await s.fleetRevision();
    const snapshot = {
      devices: await s.devices(), status: await s.statusSamples(), slots: await s.slotReports(), rollouts: await s.rollouts(), events: await s.rolloutEvents(r.id),
    };
    await s.close();

    s = await open(t, spec);
    t.deepEqual({
      devices: await s.devices(), status: await s.statusSamples(), slots: await s.slotReports(), rollouts: await s.rollouts(), events: await s.rolloutEvents(r.id),
    }, snapshot);
    t.is(await s.fleetRevision(), rev);
    t.like(snapshot.rollouts[0], { state: 'paused', reason: 'wait' });
    t.is(snapshot.events.length, 3);
    t.is((await s.list())[0]!.requestId, 1);
    await t.throwsAsync(s.addDevice('dev-a', key(3)), { instanceOf: FleetError, message: /revoked on/ });
    t.false(await s.recordSlotReport('dev-b', { event: 'good', version: 2, report_id: 'x' }, at(40)));
  });

  it(`${b.name}: a damaged JSON column is a StoreError naming the table and the row`, async (t) => {
    const spec = await b.fresh();
    const s = await open(t, spec);
    await putBundles(s, 2);
    await s.recordStatus('dev-a', { questions: 1 }, at(0));
    await s.recordSlotReport('dev-a', { event: 'good', report_id: 'a' }, at(0));
    const r = await s.createRollout(plan());
    const bad = b === sqlite
      ? [['device_status', 'body', `'{oops'`, /device_status row \d+: body is not JSON/],
        ['slot_reports', 'body', `'[1, 2]'`, /slot_reports row \d+: body is not an object/],
        ['rollouts', 'members', `'[{"device": 1}]'`, new RegExp(`rollouts row ${r.id}: members is not a list`)]]
      : [['device_status', 'body', `'[1, 2]'`, /device_status row \d+: body is not an object/],
        ['slot_reports', 'body', `'{"x": {"y": 1}}'`, /slot_reports row \d+: body field "x" is not/],
        ['rollouts', 'members', `'[{"device": 1}]'`, new RegExp(`rollouts row ${r.id}: members is not a list`)]];
    for (const [table, column, value] of bad as [string, string, string, RegExp][]) await b.exec(spec, `UPDATE ${table} SET ${column} = ${value}`);
    const [status, slots, rollout] = bad.map((x) => x[3] as RegExp);
    await t.throwsAsync(s.statusSamples(), { instanceOf: StoreError, message: status! });
    await t.throwsAsync(s.slotReports({ device: 'dev-a' }), { instanceOf: StoreError, message: slots! });
    await t.throwsAsync(s.rollouts(), { instanceOf: StoreError, message: rollout! });
    await t.throwsAsync(s.rollout(r.id), { instanceOf: StoreError, message: rollout! });
    await b.exec(spec, `UPDATE rollouts SET members = '[]', stages = '"5,100"'`);
    await t.throwsAsync(s.rollout(r.id), { instanceOf: StoreError, message: new RegExp(`: cannot read rollout ${r.id}: rollouts row ${r.id}: stages is not a list of percentages$`) });
    await b.exec(spec, `UPDATE rollouts SET stages = '[5, 100]', state = 'lost'`);
    await t.throwsAsync(s.changeRollout(r.id, { state: 'running', stage: 0 }, { stage: 1 }, { kind: 'x', detail: 'x' }), { instanceOf: StoreError, message: /state "lost" is not a rollout state/ });
  });
}
