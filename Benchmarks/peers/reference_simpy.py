#!/usr/bin/env python3
"""The reference contact centre as a SimPy 4 program: the twin of reference.yaml.

Every number below is copied from Benchmarks/peers/reference.yaml (change both together).
The behaviour follows Binoculars' simulated centre (Sources/Simulation/World/), as described
in the main README under "How the simulated centre works"; Benchmarks/peers/README.md lists
how each part maps and what differs.

    python3 reference_simpy.py --seed 1 [--out summary.json]

prints one line and writes a JSON summary with the same KPIs as Binoculars' summary.json.
"""

import argparse
import heapq
import json
import math
import random
import sys
import time

import simpy

# ---------------------------------------------------------------------------------------------
# Parameters: reference.yaml
# ---------------------------------------------------------------------------------------------

HOUR = 3600.0
DURATION = 8 * HOUR                 # duration: 8h
WARM_UP = 30 * 60.0                 # warmUp: 30m
SERVICE_LEVEL_THRESHOLD = 60.0      # serviceLevelThreshold: 60s
LEASE = 30.0                        # engine.leaseDuration (default 30s)
RENEWAL_INTERVAL = 10.0             # engine.renewalInterval (default 10s)
LEASE_SWEEP = 1.0                   # Binoculars sweeps expired leases every second
VIEW_DELAY = 1.0                    # network.viewDelay: {constant: 1s}


def lognormal_fit(mean, p95):
    """Distribution.lognormal(mean:percentile95:): the (mu, sigma) of a log-normal with this mean and p95."""
    z = 1.6448536269514722
    discriminant = z * z - 2 * (math.log(p95) - math.log(mean))
    sigma = z - math.sqrt(discriminant)
    return math.log(p95) - z * sigma, sigma


# Distributions: each a function of the random stream that draws once; times in seconds.
def exponential(mean):
    rate = 1.0 / mean
    return lambda rng: rng.expovariate(rate)


def lognormal(mean, p95):
    mu, sigma = lognormal_fit(mean, p95)
    return lambda rng: rng.lognormvariate(mu, sigma)


def uniform(a, b):
    return lambda rng: a + (b - a) * rng.random()


def constant(v):
    return lambda rng: v


def draw(distribution, rng):
    return distribution(rng)


QUEUES = ["Support", "Sales"]

# channels: kind, queue, hourly rate profile (the last rate holds), patience, customer messages, reply time
CHANNELS = [
    dict(kind="webMessaging", queue=0, rates=[3600, 4800, 5400, 4800, 4200, 4800, 5400, 4000],
         patience=exponential(5 * 60), messages=uniform(2, 8), customer_reply=lognormal(30, 90)),
    dict(kind="messaging", queue=0, rates=[1200, 1800, 2000, 1800, 1500, 1800, 2000, 1400],
         platforms=[("whatsApp", 0.7), ("facebook", 0.3)],
         patience=exponential(15 * 60), messages=uniform(2, 6), customer_reply=lognormal(60, 180)),
    dict(kind="sms", queue=1, rates=[600, 900, 1000, 900, 800, 900, 1000, 700],
         patience=exponential(20 * 60), messages=uniform(1, 4), customer_reply=lognormal(120, 360)),
]
PROFILE_INTERVAL = HOUR

AGENT_GROUPS = [
    dict(name="support", count=205, queues=[0], channels=["webMessaging", "messaging"], capacity=3,
         reply=lognormal(25, 70), wrap_up=uniform(15, 60)),
    dict(name="sales", count=48, queues=[1], channels=["sms"], capacity=2,
         reply=lognormal(40, 120), wrap_up=constant(30)),
]

# policy: "random" (any in-progress interaction), ("queue", index) or "longest" (the oldest first)
SUPERVISOR_GROUPS = [
    dict(name="floor", count=40, policy="random", think=exponential(120), hold=lognormal(180, 480),
         vanish=0.02, queue_activity_share=0.3, stop_from_interaction_share=0.7),
    dict(name="sales-leads", count=10, policy=("queue", 1), think=exponential(60), hold=exponential(120),
         vanish=0.0, queue_activity_share=0.3, stop_from_interaction_share=0.7),
    dict(name="quality", count=8, policy="longest", think=exponential(30), hold=exponential(60),
         vanish=0.0, queue_activity_share=0.3, stop_from_interaction_share=0.7),
]

# network, seconds (the YAML gives milliseconds)
SUPERVISOR_UP = lognormal(0.040, 0.120)
SUPERVISOR_DOWN = lognormal(0.040, 0.120)
AGENT_UP = lognormal(0.030, 0.080)
CUSTOMER_UP = lognormal(0.025, 0.060)
# Time-outs (5 s) and retries are not modelled: with these latencies no request takes 5 s.

# ---------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------

QUEUED, ALERTING, TALKING, ENDED = range(4)
IDLE, STARTING, MONITORING, STOPPING, VANISHED = range(5)


class Session:
    __slots__ = ("supervisor", "token", "started", "ended", "expires")

    def __init__(self, supervisor, token, started):
        self.supervisor = supervisor
        self.token = token
        self.started = started
        self.ended = None
        self.expires = started + LEASE


class Conversation:
    __slots__ = ("id", "channel", "pool", "queue", "arrived", "phase", "connected", "sessions", "active",
                 "in_progress_slot", "queue_slot")

    def __init__(self, id, channel, pool, queue, arrived):
        self.id = id
        self.channel = channel
        self.pool = pool
        self.queue = queue
        self.arrived = arrived
        self.phase = QUEUED
        self.connected = None
        self.sessions = []          # every monitoring session, oldest first
        self.active = None          # the active session: ONE monitor per conversation
        self.in_progress_slot = -1
        self.queue_slot = -1


class Supervisor:
    __slots__ = ("index", "group", "phase", "conversation", "token", "generation", "wakeup")

    def __init__(self, index, group):
        self.index = index
        self.group = group
        self.phase = IDLE
        self.conversation = None
        self.token = 0
        self.generation = 0
        self.wakeup = None


class IndexedSet:
    """Conversations in progress, with O(1) insert, remove and uniform random pick (as Binoculars' IndexedSet)."""
    __slots__ = ("items", "slot")

    def __init__(self, slot):
        self.items = []
        self.slot = slot            # the Conversation attribute holding the position

    def insert(self, c):
        setattr(c, self.slot, len(self.items))
        self.items.append(c)

    def remove(self, c):
        i = getattr(c, self.slot)
        last = self.items.pop()
        if last is not c:
            self.items[i] = last
            setattr(last, self.slot, i)
        setattr(c, self.slot, -1)


class Centre:
    def __init__(self, seed):
        self.env = env = simpy.Environment()
        # one random stream per purpose, as in Binoculars
        self.arrival_random = [random.Random(f"{seed}/arrivals/{i}") for i in range(len(CHANNELS))]
        self.customer_random = random.Random(f"{seed}/customers")
        self.agent_random = random.Random(f"{seed}/agents")
        self.supervisor_random = random.Random(f"{seed}/supervisors")
        self.network_random = random.Random(f"{seed}/network")

        # Agents: each group's agents are one pool of concurrent capacity (count × capacity units), a
        # PriorityResource. An agent holds a unit from alert to the end of wrap-up. Routing is first-come
        # first-served per (queue, channel); when capacity frees, the group's first channel (web messaging)
        # is served before its second (messaging), as Binoculars routes an agent's pools in order.
        # The agents of a group are interchangeable (no breaks, shifts or per-agent state here), so
        # which agent takes a conversation changes no figure; Binoculars names one, SimPy need not.
        self.agent_pools = []
        self.route = []
        for channel in CHANNELS:
            g = next(g for g, group in enumerate(AGENT_GROUPS)
                     if channel["queue"] in group["queues"] and channel["kind"] in group["channels"])
            self.route.append((g, AGENT_GROUPS[g]["channels"].index(channel["kind"])))
        for group in AGENT_GROUPS:
            self.agent_pools.append(simpy.PriorityResource(env, capacity=group["count"] * group["capacity"]))
        self.agents_present = sum(group["count"] for group in AGENT_GROUPS)

        self.conversations = 0
        self.in_progress = IndexedSet("in_progress_slot")
        self.in_progress_by_queue = [IndexedSet("queue_slot") for _ in QUEUES]
        self.lease_deadlines = []   # (deadline, conversation id, token, conversation), lazily pruned
        self.supervisors = []

        # measured after warm-up
        self.offered = self.answered = self.within = self.abandoned = self.offered_at_once = 0
        self.wait_total = 0.0
        self.busy_units = 0.0
        self.busy_unit_seconds = 0.0
        self.last_integration = 0.0
        self.monitor_attempts = self.monitor_grants = self.refused_already_monitored = 0
        self.outcomes = {}
        self.ends = {}

        for index, channel in enumerate(CHANNELS):
            env.process(self.arrivals(index, channel))
        for g, group in enumerate(SUPERVISOR_GROUPS):
            for _ in range(group["count"]):
                supervisor = Supervisor(len(self.supervisors), g)
                self.supervisors.append(supervisor)
                env.process(self.supervisor(supervisor))
        env.process(self.lease_sweep())

    # --- occupancy: capacity in use / capacity, integrated over time, after warm-up ---

    def integrate(self):
        now = self.env.now
        start = self.last_integration if self.last_integration > WARM_UP else WARM_UP
        if now > start:
            self.busy_unit_seconds += self.busy_units * (now - start)
        self.last_integration = now

    # --- customers ---

    def next_arrival(self, after, rates, rng):
        """Non-homogeneous Poisson arrivals by inversion of the cumulative intensity (ArrivalProcess)."""
        remaining = rng.expovariate(1.0)
        interval = int(after // PROFILE_INTERVAL)
        position = after - interval * PROFILE_INTERVAL
        while True:
            index = min(interval, len(rates) - 1)
            rate = rates[index] / HOUR
            last = index == len(rates) - 1
            if last and rate == 0:
                return None
            available = rate * (PROFILE_INTERVAL - position)
            if rate > 0 and (remaining <= available or last):
                return interval * PROFILE_INTERVAL + position + remaining / rate
            remaining -= available
            interval += 1
            position = 0.0

    def arrivals(self, index, channel):
        env = self.env
        rng = self.arrival_random[index]
        rates = channel["rates"]
        while True:
            at = self.next_arrival(env.now, rates, rng)
            if at is None:
                return
            yield env.timeout(at - env.now)
            env.process(self.customer(index, channel))

    def customer(self, index, channel):
        """One conversation, from arrival to the end of the agent's wrap-up."""
        env = self.env
        crand = self.customer_random
        arand = self.agent_random
        nrand = self.network_random
        now = env.now
        measuring = now >= WARM_UP
        self.conversations += 1
        g, priority = self.route[index]
        pool = self.agent_pools[g]
        group = AGENT_GROUPS[g]
        c = Conversation(self.conversations, index, g, channel["queue"], now)
        if "platforms" in channel:
            crand.choices(channel["platforms"])         # the messaging platform (WhatsApp, Facebook)
        messages_left = max(0, int(math.floor(draw(channel["messages"], crand) + 0.5)) - 1)
        if measuring:
            self.offered += 1

        # Queue first-come first-served for an agent with free capacity; abandon after the patience.
        # A customer's outcome counts when the customer was counted as offered (arrived after warm-up).
        request = pool.request(priority=priority)
        offered_on_arrival = request.triggered
        if offered_on_arrival and measuring:
            self.offered_at_once += 1
        if not offered_on_arrival:
            yield request | env.timeout(draw(channel["patience"], crand))
            if not request.triggered:
                request.cancel()
                c.phase = ENDED
                if measuring:
                    self.abandoned += 1
                return
        else:
            yield request
        capacity = group["capacity"]
        self.integrate()
        self.busy_units += 1.0 / capacity
        c.phase = ALERTING

        # The agent answers (alert → connect over the agent's uplink).
        yield env.timeout(draw(AGENT_UP, nrand))
        now = env.now
        if measuring:
            wait = now - c.arrived
            self.answered += 1
            self.wait_total += wait
            if wait <= SERVICE_LEVEL_THRESHOLD:
                self.within += 1
        c.phase = TALKING
        c.connected = now
        self.in_progress.insert(c)
        self.in_progress_by_queue[c.queue].insert(c)

        # The exchange: agent reply, then (customer message, agent reply) while the customer has messages.
        reply = group["reply"]
        customer_reply = channel["customer_reply"]
        yield env.timeout(draw(reply, arand) + draw(AGENT_UP, nrand))
        while messages_left > 0:
            yield env.timeout(draw(customer_reply, crand) + draw(CUSTOMER_UP, nrand))
            messages_left -= 1
            yield env.timeout(draw(reply, arand) + draw(AGENT_UP, nrand))
        yield env.timeout(draw(reply, arand))

        # The agent closes: the conversation ends, and so does its monitoring session (M18).
        c.phase = ENDED
        self.in_progress.remove(c)
        self.in_progress_by_queue[c.queue].remove(c)
        self.touch(c)
        if c.active is not None:
            self.end_session(c, "conversationEnded")
        yield env.timeout(draw(group["wrap_up"], arand))
        self.integrate()
        self.busy_units -= 1.0 / capacity
        pool.release(request)

    # --- the monitoring lock, at the store ---

    def touch(self, c):
        """A command on the conversation first ends a session whose lease is due (M12)."""
        session = c.active
        if session is not None and session.expires <= self.env.now:
            self.end_session(c, "leaseExpired")

    def end_session(self, c, reason):
        session = c.active
        c.active = None
        session.ended = self.env.now
        self.ends[reason] = self.ends.get(reason, 0) + 1
        if reason in ("conversationEnded", "leaseExpired"):
            # the holder's console hears of it after the downlink
            notice = self.env.timeout(draw(SUPERVISOR_DOWN, self.network_random))
            notice.callbacks.append(lambda _, s=self.supervisors[session.supervisor], c=c, t=session.token:
                                    self.session_ended_notice(s, c, t))

    def store_start(self, s, c):
        self.touch(c)
        active = c.active
        if active is not None and active.supervisor == s.index:
            return "ok.resumed", active                       # M10
        if c.phase != TALKING:
            return "fail.conversationNotInProgress", None     # M5
        if active is not None:
            return "fail.alreadyMonitored", None              # M8: one monitor per conversation
        session = Session(s.index, len(c.sessions) + 1, self.env.now)
        c.sessions.append(session)
        c.active = session
        heapq.heappush(self.lease_deadlines, (session.expires, c.id, session.token, c))
        return "ok.granted", session

    def store_owned(self, s, c, token):
        self.touch(c)
        session = c.active
        if session is None or session.token != token or session.supervisor != s.index:
            return None
        return session

    def lease_sweep(self):
        env = self.env
        deadlines = self.lease_deadlines
        while True:
            yield env.timeout(LEASE_SWEEP)
            now = env.now
            while deadlines and deadlines[0][0] <= now:
                _, _, token, c = heapq.heappop(deadlines)
                session = c.active
                if session is not None and session.token == token and session.expires <= now:
                    self.end_session(c, "leaseExpired")

    # --- supervisors ---

    def shown_free(self, c, now):
        """The console's Monitor button (M9) from a read model that lags the store by VIEW_DELAY (M26)."""
        if c.connected + VIEW_DELAY > now:
            return False                                      # the view does not show it in progress yet
        for session in reversed(c.sessions):
            if session.started + VIEW_DELAY <= now:
                return session.ended is not None and session.ended + VIEW_DELAY <= now
        return True

    def pick(self, s, group):
        now = self.env.now
        policy = group["policy"]
        if policy == "longest":
            oldest = None
            for c in self.in_progress.items:
                if (oldest is None or c.id < oldest.id) and self.shown_free(c, now):
                    oldest = c
            return oldest
        items = self.in_progress.items if policy == "random" else self.in_progress_by_queue[policy[1]].items
        if not items:
            return None
        rng = self.supervisor_random
        for _ in range(8):                                    # up to eight random draws
            c = items[int(rng.random() * len(items))]
            if self.shown_free(c, now):
                return c
        return None

    def count(self, key):
        self.outcomes[key] = self.outcomes.get(key, 0) + 1

    def session_ended_notice(self, s, c, token):
        if s.phase == MONITORING and s.conversation is c and s.token == token:
            s.phase = IDLE
            s.wakeup.succeed()

    def supervisor(self, s):
        env = self.env
        group = SUPERVISOR_GROUPS[s.group]
        srand = self.supervisor_random
        nrand = self.network_random
        think = group["think"]
        yield env.timeout(draw(think, srand))
        while True:
            s.phase = IDLE
            s.generation += 1
            c = self.pick(s, group)
            if c is None:
                yield env.timeout(draw(think, srand))
                continue
            entry_point = "queueActivity" if srand.random() < group["queue_activity_share"] else "interactions"
            s.phase = STARTING
            sent = env.now
            yield env.timeout(draw(SUPERVISOR_UP, nrand))
            outcome, session = self.store_start(s, c)
            yield env.timeout(draw(SUPERVISOR_DOWN, nrand))
            self.count("start." + outcome)
            if env.now >= WARM_UP:
                self.monitor_attempts += 1
                if outcome == "ok.granted":
                    self.monitor_grants += 1
                elif outcome == "fail.alreadyMonitored":
                    self.refused_already_monitored += 1
            if session is None:
                yield env.timeout(draw(think, srand))
                continue

            # Monitoring: hold, renewing the lease; the session may end first (conversation ended).
            s.phase = MONITORING
            s.conversation = c
            s.token = session.token
            s.generation += 1
            hold = draw(group["hold"], srand)
            if group["vanish"] > 0 and srand.random() < group["vanish"]:
                s.phase = VANISHED                            # no renewals, no stop: the lease ends it
                yield env.timeout(hold)
                yield env.timeout(draw(think, srand))
                continue
            s.wakeup = env.event()
            env.process(self.renewals(s, c, session.token, s.generation))
            yield env.timeout(hold) | s.wakeup
            if s.phase == MONITORING:
                source = "Interaction" if srand.random() < group["stop_from_interaction_share"] else "Details"
                s.phase = STOPPING
                yield env.timeout(draw(SUPERVISOR_UP, nrand))
                owned = self.store_owned(s, c, s.token)
                if owned is not None:
                    self.end_session(c, "stoppedFrom" + source)
                yield env.timeout(draw(SUPERVISOR_DOWN, nrand))
                self.count("stop.ok" if owned is not None else "stop.fail.sessionAlreadyEnded")
            yield env.timeout(draw(think, srand))

    def renewals(self, s, c, token, generation):
        env = self.env
        nrand = self.network_random
        due = env.now + RENEWAL_INTERVAL
        while True:
            yield env.timeout(due - env.now)
            if s.generation != generation or s.phase != MONITORING:
                return
            due += RENEWAL_INTERVAL
            yield env.timeout(draw(SUPERVISOR_UP, nrand))
            session = self.store_owned(s, c, token)
            if session is not None:
                session.expires = env.now + LEASE
                heapq.heappush(self.lease_deadlines, (session.expires, c.id, token, c))
            yield env.timeout(draw(SUPERVISOR_DOWN, nrand))
            if session is None:
                self.count("renew.fail.sessionAlreadyEnded")
                if s.generation == generation and s.phase == MONITORING:
                    s.phase = IDLE
                    s.wakeup.succeed()
                return
            self.count("renew.ok")

    # --- the run ---

    def run(self):
        self.env.run(until=DURATION)
        self.integrate()
        staffed_seconds = self.agents_present * (DURATION - WARM_UP)
        answered = self.answered
        env = self.env
        events = next(env._eid) - len(env._queue)             # events processed (scheduled − pending)
        return dict(
            simulatedSeconds=DURATION, warmUpSeconds=WARM_UP, events=events,
            conversations=self.conversations, agents=self.agents_present, supervisors=len(self.supervisors),
            outcomes=self.outcomes, endsByReason=self.ends,
            contentionRate=self.refused_already_monitored / self.monitor_attempts if self.monitor_attempts else 0,
            kpis=dict(
                offered=self.offered, answered=answered, abandoned=self.abandoned,
                # Over every offered customer, as Binoculars defines them (no short-abandon threshold).
                serviceLevel=self.within / self.offered if self.offered else None,
                serviceLevelThresholdSeconds=SERVICE_LEVEL_THRESHOLD,
                probabilityOfWaiting=1 - self.offered_at_once / self.offered if self.offered else None,
                averageSpeedOfAnswerSeconds=self.wait_total / answered if answered else None,
                abandonmentRate=self.abandoned / self.offered if self.offered else None,
                occupancy=self.busy_unit_seconds / staffed_seconds,
                monitorAttempts=self.monitor_attempts, monitorGrants=self.monitor_grants))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", help="write the JSON summary here")
    arguments = parser.parse_args()
    started = time.perf_counter()
    summary = Centre(arguments.seed).run()
    wall = time.perf_counter() - started
    summary.update(scenario="reference", seed=arguments.seed, engine="simpy " + simpy.__version__)
    timing = dict(wallSeconds=wall, eventsPerSecond=summary["events"] / wall)
    if arguments.out:
        with open(arguments.out, "w") as f:
            json.dump(dict(summary=summary, timing=timing), f, indent=1, sort_keys=True)
    k = summary["kpis"]
    print(f"simpy seed {arguments.seed}: {summary['events']} events in {wall:.2f} s "
          f"({timing['eventsPerSecond']:.0f} events/s), {summary['conversations']} conversations, "
          f"service level {k['serviceLevel']:.3f}, ASA {k['averageSpeedOfAnswerSeconds']:.1f} s, "
          f"abandonment {k['abandonmentRate']:.4f}, occupancy {k['occupancy']:.3f}, "
          f"grants {k['monitorGrants']}, contention {summary['contentionRate']:.4f}")


if __name__ == "__main__":
    sys.exit(main())
