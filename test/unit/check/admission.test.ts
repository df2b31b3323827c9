import { describe, expect, it } from 'vitest';
import { createAdmission, type Admitted, type ShedReason } from '../../../src/check/admission.js';

const FAR = () => Date.now() + 60_000;

describe('admission control', () => {
  it('runs up to maxInFlight at once and lets the next waiter in, first come first served, when one ends', async () => {
    const admission = createAdmission({ maxInFlight: 2, maxQueued: 10, reserveMs: 10, maxReserveMs: 10 });
    const first = await admission.admit(FAR());
    const second = await admission.admit(FAR());
    expect([first.admitted, second.admitted, admission.inFlight]).toEqual([true, true, 2]);
    const order: number[] = [];
    const third = admission.admit(FAR()).then((verdict) => (order.push(3), verdict));
    const fourth = admission.admit(FAR()).then((verdict) => (order.push(4), verdict));
    expect(admission.queued).toBe(2);
    if (first.admitted) first.release();
    if (first.admitted) first.release(); // twice is once
    expect((await third).admitted).toBe(true);
    expect(admission.queued).toBe(1);
    if (second.admitted) second.release();
    expect((await fourth).admitted).toBe(true);
    expect(order).toEqual([3, 4]);
    expect(admission.inFlight).toBe(2);
  });

  it('sheds at once beyond maxQueued, and tells onShed why', async () => {
    const shed: ShedReason[] = [];
    const admission = createAdmission({ maxInFlight: 1, maxQueued: 1, reserveMs: 10, maxReserveMs: 10, onShed: (reason) => shed.push(reason) });
    await admission.admit(FAR());
    void admission.admit(FAR());
    expect(await admission.admit(FAR())).toEqual({ admitted: false, reason: 'queue_full' });
    expect(shed).toEqual(['queue_full']);
  });

  it('sheds a Check with less than the reserve left before its deadline, without running it', async () => {
    const admission = createAdmission({ maxInFlight: 4, maxQueued: 4, reserveMs: 50, maxReserveMs: 50 });
    expect(await admission.admit(Date.now() + 20)).toEqual({ admitted: false, reason: 'deadline' });
    expect(admission.inFlight).toBe(0);
    expect((await admission.admit(undefined)).admitted).toBe(true);
  });

  it('answers a waiter whose time runs out in line when it does, not when a slot frees', async () => {
    const admission = createAdmission({ maxInFlight: 1, maxQueued: 4, reserveMs: 20, maxReserveMs: 20 });
    const running = await admission.admit(FAR());
    const started = Date.now();
    const waiter: Admitted = await admission.admit(Date.now() + 60);
    expect(waiter).toEqual({ admitted: false, reason: 'deadline' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(admission.queued).toBe(0);
    if (running.admitted) running.release();
    expect(admission.inFlight).toBe(0);
  });

  it('raises the reserve to twice the recent run time, capped', async () => {
    let t = 0;
    const admission = createAdmission({ maxInFlight: 1, maxQueued: 1, reserveMs: 10, maxReserveMs: 100, now: () => t });
    for (let i = 0; i < 40; i++) {
      const slot = await admission.admit(undefined);
      t += 40;
      if (slot.admitted) slot.release();
    }
    // The average run is ~40 ms: a Check with 60 ms left would not make it.
    expect(await admission.admit(t + 60)).toMatchObject({ admitted: false, reason: 'deadline' });
    expect((await admission.admit(t + 90)).admitted).toBe(true);
  });
});
