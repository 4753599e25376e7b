//! The self-test's claims: which scenarios each variant fails, and which no
//! variant can fail, with the reason.
use std::time::Duration;

use crate::defects::Defect;

/// The scenarios in which the gateway must flag a soft failure, each counted
/// in its metrics.
const SOFT_FLAGGED: &[&str] = &[
    "TAXONOMY_SOFT_FAILURES: a refusal reaches the client flagged as refusal",
    "TAXONOMY_SOFT_FAILURES: a refusal in words reaches the client flagged as refusal",
    "TAXONOMY_SOFT_FAILURES: a repetitive answer reaches the client flagged as quality_degradation",
    "TAXONOMY_SOFT_FAILURES: an answer citing a source it was not given reaches the client flagged as hallucination",
    "TAXONOMY_SOFT_FAILURES: an answer cut at its length limit reaches the client flagged as quality_degradation",
    "TAXONOMY_SOFT_FAILURES: an answer off its instructions reaches the client flagged as instruction_drift",
    "TAXONOMY_SOFT_FAILURES: an answer stopped by its content filter reaches the client flagged as refusal",
    "TAXONOMY_SOFT_FAILURES: an answer that is not the JSON asked for reaches the client flagged as format_violation",
    "TAXONOMY_SOFT_FAILURES: an empty answer reaches the client flagged as quality_degradation",
    SOFT_SCHEMA_FLAGGED,
];

/// The scenario in which an answer that does not match the schema asked for is flagged.
const SOFT_SCHEMA_FLAGGED: &str = "TAXONOMY_SOFT_FAILURES: JSON that does not match the schema asked for reaches the client flagged as format_violation";

/// The scenario in which an answer that does not match the schema is a failed attempt.
const SOFT_SCHEMA_FAILED_OVER: &str = "TAXONOMY_SOFT_FAILURES: with format_violation acted on, JSON that does not match the schema from the primary is a failed attempt and the secondary serves";

/// The scenarios in which a wrong answer of a class acted on is a failed
/// attempt, each counted in the metrics.
const SOFT_FAILED_OVER: &[&str] = &[
    "TAXONOMY_SOFT_FAILURES: with refusal acted on, a refusal from the primary is a failed attempt and the secondary serves",
    "TAXONOMY_SOFT_FAILURES: with format_violation acted on, an answer that is not the JSON asked for from the primary is a failed attempt and the secondary serves",
    "TAXONOMY_SOFT_FAILURES: with hallucination acted on, an answer citing a source it was not given from the primary is a failed attempt and the secondary serves",
    "TAXONOMY_SOFT_FAILURES: with refusal acted on, a refusal in words from the primary is a failed attempt and the secondary serves",
    "TAXONOMY_SOFT_FAILURES: with refusal acted on, an answer stopped by its content filter from the primary is a failed attempt and the secondary serves",
    "TAXONOMY_SOFT_FAILURES: with instruction_drift acted on, an answer off its instructions from the primary is a failed attempt and the secondary serves",
    "TAXONOMY_SOFT_FAILURES: with quality_degradation acted on, an empty answer from the primary is a failed attempt and the secondary serves",
    "TAXONOMY_SOFT_FAILURES: with quality_degradation acted on, a repetitive answer from the primary is a failed attempt and the secondary serves",
    "TAXONOMY_SOFT_FAILURES: with quality_degradation acted on, an answer cut at its length limit from the primary is a failed attempt and the secondary serves",
    "TAXONOMY_SOFT_FAILURES: when every provider answers wrong, the last wrong answer reaches the client, flagged",
    SOFT_SCHEMA_FAILED_OVER,
];

/// The scenarios in which the gateway must flag a streamed soft failure at
/// its end, each counted in its metrics.
const SOFT_STREAM_FLAGGED: &[&str] = &[
    "TAXONOMY_SOFT_FAILURES: a refusal, streamed, reaches the client whole, its last chunk flagging it as refusal",
    "TAXONOMY_SOFT_FAILURES: an answer that is not the JSON asked for, streamed, reaches the client whole, its last chunk flagging it as format_violation",
    "TAXONOMY_SOFT_FAILURES: an answer off its instructions, streamed, reaches the client whole, its last chunk flagging it as instruction_drift",
    "TAXONOMY_SOFT_FAILURES: an empty answer, streamed, reaches the client whole, its last chunk flagging it as quality_degradation",
    "TAXONOMY_SOFT_FAILURES: an answer citing a source it was not given, streamed, reaches the client whole, its last chunk flagging it as hallucination",
];

/// The scenario in which a stream far slower than its provider's usual is flagged.
const SOFT_RATE: &str = "TAXONOMY_SOFT_FAILURES: a stream generating at a fraction of its provider's usual rate is flagged as quality_degradation";

/// The scenarios of the judge provider.
const JUDGE_LOW: &str =
    "TAXONOMY_SOFT_JUDGE: an answer the judge scores below the minimum reaches the client flagged as hallucination";
const JUDGE_AT_MINIMUM: &str = "TAXONOMY_SOFT_JUDGE: answers the judge scores at the minimum or above are not flagged";
const JUDGE_TROUBLE: &[&str] = &[
    "TAXONOMY_SOFT_JUDGE: a judge answering an error judges nothing: the answer reaches the client unflagged, and the failure is counted",
    "TAXONOMY_SOFT_JUDGE: a judge answering nothing within 300 ms judges nothing: the answer reaches the client unflagged, and the failure is counted",
    "TAXONOMY_SOFT_JUDGE: a judge answering words that are no score judges nothing: the answer reaches the client unflagged, and the failure is counted",
];
const JUDGE_SEEN_WRONG: &str =
    "TAXONOMY_SOFT_JUDGE: an answer with something wrong the gateway can see is not sent to the judge";
const JUDGE_STREAM: &str =
    "TAXONOMY_SOFT_JUDGE: a streamed answer is not sent to the judge: it has reached the client already";

/// The scenario in which the breaker counts wrong streamed answers.
const SOFT_STREAM_BREAKER: &str = "TAXONOMY_SOFT_FAILURES: a streamed answer of a class acted on is never taken back, but the primary's breaker counts it";

/// The scenarios in which a provider's refusal goes to the content-policy chain.
const CONTENT_POLICY_REFUSED: &[&str] = &[
    "TAXONOMY_CONTENT_POLICY: a content-filter rejection of a chat completion goes to the content-policy chain, not to the secondary",
    "TAXONOMY_CONTENT_POLICY: a content-filter rejection of a streamed chat completion goes to the content-policy chain, not to the secondary",
    "TAXONOMY_CONTENT_POLICY: when the content-policy chain refuses too, its refusal reaches the client unchanged",
];

/// The scenario in which refusals are not counted by the breaker.
const CONTENT_POLICY_UNCOUNTED: &str =
    "TAXONOMY_CONTENT_POLICY: refusals never count against the refusing provider's breaker";

/// The scenario in which an answer ended by its content filter is a refusal.
const CONTENT_POLICY_JUDGED: &str = "TAXONOMY_CONTENT_POLICY: an answer its content filter ended goes to the content-policy chain when answers are judged";

/// The scenario in which the breaker counts wrong answers.
const SOFT_BREAKER: &str = "TAXONOMY_SOFT_FAILURES: a provider answering 200 with prose where JSON was asked for is taken out of rotation like one answering 500";

/// The SLO scenarios, by what each shows.
const SLO_AVAILABILITY: &str = "SERVICE_LEVEL_OBJECTIVES: availability is met while every request is answered, and breached when failed requests spend its error budget three times over";
const SLO_MIN_REQUESTS: &str = "SERVICE_LEVEL_OBJECTIVES: too few requests to judge: nine failures of nine do not breach an SLO judged from ten, the tenth does";
const SLO_GOODPUT: &str =
    "SERVICE_LEVEL_OBJECTIVES: wrong answers keep availability but breach goodput and the soft-failure rate";
const SLO_TTFT: &str = "SERVICE_LEVEL_OBJECTIVES: a p95 time to first token is breached when more than one stream in twenty starts late (150 ms target; late streams start after 300 ms)";
const SLO_COST: &str = "SERVICE_LEVEL_OBJECTIVES: the cost per useful answer counts what wrong answers cost too";
const SLO_RECOVERY: &str = "SERVICE_LEVEL_OBJECTIVES: a breach is logged once, and its recovery when its requests leave a 1000 ms window (100 ms of tolerance)";
const SLO_METRICS: &str =
    "SERVICE_LEVEL_OBJECTIVES: the metrics show each objective's burn rate and whether it is breached";

/// For each defect, the scenarios that must fail, and no others. A defect
/// may have several entries: [`grouped`] puts them together.
/// The guardrail scenarios, by what each shows.
const GUARD_TOO_LONG: &str =
    "GUARDRAILS_INFRASTRUCTURE: a prompt over the token limit is blocked before any provider sees it";
const GUARD_WITHIN: &str = "GUARDRAILS_INFRASTRUCTURE: a prompt within the token limit is served";
const GUARD_INJECTION: &str = "GUARDRAILS_INFRASTRUCTURE: a prompt injection is blocked before any provider sees it";
const GUARD_INSTRUCTIONS: &str = "GUARDRAILS_INFRASTRUCTURE: a question about instructions is served unchanged";
const GUARD_CARD: &str = "GUARDRAILS_INFRASTRUCTURE: a card number is blocked before any provider sees it";
const GUARD_LUHN: &str = "GUARDRAILS_INFRASTRUCTURE: a number that fails the Luhn check is not a card number";
const GUARD_REDACTED: &str =
    "GUARDRAILS_INFRASTRUCTURE: an e-mail address and a phone number are redacted before the provider sees them";
const GUARD_ANSWER_REDACTED: &str =
    "GUARDRAILS_INFRASTRUCTURE: an answer's personal data is redacted before the client gets it";
const GUARD_WITHHELD: &str =
    "GUARDRAILS_INFRASTRUCTURE: an answer giving out personal data is withheld when so configured";
const GUARD_TOGGLES: &str =
    "GUARDRAILS_INFRASTRUCTURE: with only personal data checked, a prompt injection passes and a card number does not";
const GUARD_BYPASS: &str =
    "GUARDRAILS_INFRASTRUCTURE: a request carrying the admin token skips every guardrail, and the bypass is logged";
const GUARD_WRONG_TOKEN: &str =
    "GUARDRAILS_INFRASTRUCTURE: a bypass with a wrong token is refused and reaches no provider";

const CLASS_TOLERATED: &str = "TAXONOMY_CLASS_THRESHOLDS: rate limits within their own tolerance keep the breaker closed where the general rate would open it";
const CLASS_REACHED: &str =
    "TAXONOMY_CLASS_THRESHOLDS: rate limits past their own tolerance open the breaker, named in the transition";
const CLASS_FLAGGED: &str = "TAXONOMY_CLASS_THRESHOLDS: answers citing sources they were not given take the provider out of rotation at hallucination's own rate, though each was only flagged";
const CLASS_HEALTH: &str = "TAXONOMY_CLASS_THRESHOLDS: a wrong answer counted at its class's own rate is a failure in the provider's health too";

const CHAOS_OUTAGE: &str = "CHAOS_EXPERIMENTS: the primary blocked and then unblocked";
const CHAOS_LATENCY: &[&str] = &[
    "CHAOS_EXPERIMENTS: the primary slowed by 1000 ms (5 s in the seed) against a 500 ms attempt timeout",
    "CHAOS_EXPERIMENTS: the primary slowed by 6000 ms (30 s in the seed) against a 500 ms attempt timeout",
];
const CHAOS_RANDOM_TEXT: &str =
    "CHAOS_EXPERIMENTS: random text instead of the answer from the primary, to requests asking for JSON";
const CHAOS_NOT_JSON: &str =
    "CHAOS_EXPERIMENTS: an answer that is not JSON from the primary, to requests asking for JSON";
const CHAOS_INJECTIONS: &[&str] = &[
    "CHAOS_EXPERIMENTS: the known injection disregard-the-system-prompt is blocked",
    "CHAOS_EXPERIMENTS: the known injection print-the-system-prompt is blocked",
    "CHAOS_EXPERIMENTS: the known injection do-anything-now is blocked",
    "CHAOS_EXPERIMENTS: the known injection developer-mode is blocked",
    "CHAOS_EXPERIMENTS: the known injection no-restrictions is blocked",
    "CHAOS_EXPERIMENTS: the known injection chat-template is blocked",
];

/// The scenarios of gateway-side sessions (TC_R752_FAILOVER_014).
const SESSION_FAILOVER: &str =
    "TC_R752_FAILOVER_014: a session continues on the secondary with its whole context, in the secondary's model name";
const SESSION_BACK_AND_FORTH: &str =
    "TC_R752_FAILOVER_014: a session goes through several failovers and failbacks with every turn intact";
const SESSION_TOOLS: &str =
    "TC_R752_FAILOVER_014: tool calls and tool results in a session's turns reach the secondary unchanged";
const SESSION_STREAMED: &str = "TC_R752_FAILOVER_014: streamed answers join the session's context as their text";
const SESSION_RESTART: &str =
    "TC_R752_FAILOVER_014: a restarted gateway continues the session with every turn from before the restart";
const SESSION_DROPPED: &str = "TC_R752_FAILOVER_014: a context larger than the secondary's window loses its oldest turns there, never its system prompt or newest turn";
const SESSION_OVERFLOW: &str = "TC_R752_FAILOVER_014: configured to refuse, a context larger than every window is a context overflow naming the sizes";
const SESSION_BUSY: &str =
    "TC_R752_FAILOVER_014: a second turn sent while the first is still answered is refused with 409";
const SESSION_WAITS: &str = "TC_R752_FAILOVER_014: configured to wait, a second turn sent while the first is answered follows it, with its answer in context";
const SESSION_EXPIRED: &str =
    "TC_R752_FAILOVER_014: a session idle for twice its expiry is gone, and says so (300 ms of tolerance either way)";
const SESSION_ALL: &[&str] = &[
    SESSION_FAILOVER,
    SESSION_BACK_AND_FORTH,
    SESSION_TOOLS,
    SESSION_STREAMED,
    SESSION_RESTART,
    SESSION_DROPPED,
    SESSION_OVERFLOW,
    SESSION_BUSY,
    SESSION_WAITS,
    SESSION_EXPIRED,
];
/// The session scenarios in which the secondary takes over.
const SESSION_FAILED_OVER: &[&str] =
    &[SESSION_FAILOVER, SESSION_BACK_AND_FORTH, SESSION_TOOLS, SESSION_STREAMED, SESSION_DROPPED];

/// The scenarios of the end of the fallback chain.
const TAIL_CACHED: &str = "FALLBACK_TAIL: with every provider failing, a request answered before gets the same answer from the cache, marked with its age";
const TAIL_DEFAULT: &str = "FALLBACK_TAIL: with every provider failing, a request never answered before gets the model's default answer, marked as such";
const TAIL_STALE: &str =
    "FALLBACK_TAIL: a cached answer past its age limit is not given back (200 ms limit, 500 ms later)";
const TAIL_VARIETY: &str =
    "FALLBACK_TAIL: the answer to a request asking for variety is not kept, and the default answer serves instead";
const TAIL_COUNTED: &str = "FALLBACK_TAIL: answers from the end of the chain are counted as such";

/// The scenarios of spend budgets.
const BUDGET_SPENT: &str = "SPEND_BUDGETS: a key's token budget serves until it is spent, then refuses with 429 naming the budget and its reset, and nothing more reaches a provider";
const BUDGET_OWN: &str = "SPEND_BUDGETS: a spent budget holds only its own key and model";
const BUDGET_RETRIES: &str = "SPEND_BUDGETS: retries and failovers count against the budget: with the primary failing, fewer requests are served than the same budget serves without failures";
const BUDGET_USD: &str =
    "SPEND_BUDGETS: a budget in US dollars counts each answer at the price of the provider and model that gave it";
const BUDGET_REFILL: &str = "SPEND_BUDGETS: a spent budget refills when its window ends, at the reset its refusal stated (a 1000 ms window, 100 ms of tolerance)";
const BUDGET_LISTED: &str = "SPEND_BUDGETS: the gateway lists what a budget has spent, by the providers' usage";
const BUDGET_COUNTED: &str =
    "SPEND_BUDGETS: requests a budget refuses are counted per budget, and its first refusal is logged";
const BUDGET_RESTART: &str = "SPEND_BUDGETS: a spent budget stays spent across a restart of the gateway";
const BUDGET_BURST: &str =
    "CHAOS_EXPERIMENTS: 200 requests at once where the key usually sends 2, against a budget of 20 answers";

/// The scenarios in which an answer naming another model than the version
/// pinned must be caught.
const SUBSTITUTION_CAUGHT: &[&str] = &[SUBST_MID_RUN, SUBST_ALIAS, SUBST_STREAM, SUBST_ACTED];
const SUBST_MID_RUN: &str = "TAXONOMY_MODEL_SUBSTITUTION: a provider that changes its model mid-run is flagged from its first answer as the other model";
const SUBST_ALIAS: &str =
    "TAXONOMY_MODEL_SUBSTITUTION: an answer naming the undated alias is not the pinned version either";
const SUBST_STREAM: &str =
    "TAXONOMY_MODEL_SUBSTITUTION: a streamed answer from another model ends with a chunk flagging it";
const SUBST_ACTED: &str = "TAXONOMY_MODEL_SUBSTITUTION: with model_substitution acted on, an answer from another model is a failed attempt and the secondary serves";
/// The scenarios in which an answer must not be flagged.
const SUBSTITUTION_CLEAN: &[&str] = &[
    "TAXONOMY_MODEL_SUBSTITUTION: answers naming the pinned version are not flagged",
    "TAXONOMY_MODEL_SUBSTITUTION: an entry that pins no version takes the model its provider names",
];

const EVAL_CLEAN: &str = "MONITORING_CONTINUOUS_EVAL: providers that keep answering right are never marked, and clients' traffic goes on as before";
const EVAL_ALL_WRONG: &str = "MONITORING_CONTINUOUS_EVAL: a provider whose every answer changes is marked within 2 rounds, before any client's request";
const EVAL_ONE_WRONG: &str =
    "MONITORING_CONTINUOUS_EVAL: a provider that gets one case of three wrong is marked within 4 rounds";
const EVAL_RECOVERS: &str = "MONITORING_CONTINUOUS_EVAL: a provider that answers right again is no longer marked once its wrong rounds leave the window";

const SECRET_401: &str = "SECURITY_SECRETS: a primary whose 401 error gives its key back, and a healthy secondary";
const SECRET_500: &str = "SECURITY_SECRETS: a primary whose 500 error gives its key back, and a healthy secondary";
const SECRET_EXHAUSTED: &str =
    "SECURITY_SECRETS: every provider gives its key back: the gateway's own 503 says nothing of them";
pub const EXPECTED: &[(Defect, &[&str])] = &[
    (
        Defect::NeverFailOver,
        &[
            "TC_R752_FAILOVER_011: 2,000 requests in flight lose none while the primary fails with status 500 and recovers",
            "TC_R752_FAILOVER_011: 2,000 requests in flight lose none while the primary fails with a refused connection and recovers",
            "TC_R752_FAILOVER_011: 2,000 requests in flight lose none while the primary fails with a reset before answering and recovers",
            "TC_R752_FAILOVER_011: 2,000 requests in flight lose none while the primary fails with a reset after headers and recovers",
            "TC_R752_FAILOVER_011: 2,000 requests in flight lose none while the primary stops answering and recovers",
            "TC_R752_FAILOVER_011: a provider is sent at most its bound of requests at once, and the rest go to the next provider",
            "TC_R752_FAILOVER_011: past every provider's bound the gateway sheds with 503 and Retry-After, dropping no connection",
            "TC_R752_FAILOVER_012: each failover is decided within 100 ms of the failed answer and reaches the fallback within 50 ms (status 503)",
            "TC_R752_FAILOVER_012: each failover is decided within 100 ms of the failed answer and reaches the fallback within 50 ms (a reset before answering)",
            "TC_R752_FAILOVER_012: the first request after a failover finds a warm connection to the secondary",
            "TC_R752_FAILOVER_012: open descriptors and memory return to their level after a failover storm",
            "TC_R752_FAILOVER_013: a whole region failing moves traffic to the next region without trying its providers one by one, and traffic returns once it recovers",
            "TC_R752_FAILOVER_015: a recovered primary earns its traffic back through a gradual ramp, one validated share at a time",
            "TC_R752_FAILOVER_015: a recovered primary earns its traffic back through a canary, one validated share at a time",
            "TC_R752_FAILOVER_015: partial recovery: a primary still failing 1 request in 5 never gets all of its traffic back, and waits longer each time",
            "TC_R752_FAILOVER_015: intermittent recovery: up, down, up restarts the ramp from its first share only after a longer open period",
            "MONITORING_DASHBOARD: a breaker that opens reaches the dashboard's stream within a snapshot period, with its decision",
            "CONTRACT_STREAMING: a stream served after failover and ended without [DONE] names the model that served, with its usage",
            "CONTRACT_STREAMING: a stream that fails before its first event fails over (a first chunk delayed by 3000 ms)",
            "CONTRACT_STREAMING: a stream that fails before its first event fails over (a reset after headers)",
            "CONTRACT_STREAMING: a stream that fails before its first event fails over (a stream reset after 0 chunks)",
            "CONTRACT_STREAMING: a stream that fails before its first event fails over (status 503)",
            "MONITORING_FALLBACK_RATE: 0.5 % of requests falling back is healthy",
            "MONITORING_FALLBACK_RATE: 3 % of requests falling back is a warning, and the change is logged",
            "MONITORING_FALLBACK_RATE: 8.25 % of requests falling back is an alert, and the change is logged",
            "MONITORING_FIRE_DRILLS: a drill of timeouts is taken over too",
            "MONITORING_FIRE_DRILLS: a drill on the primary is taken over by the secondary, with no failure a client sees, and ends by itself",
            "MONITORING_FIRE_DRILLS: a drill scheduled by cron runs by itself",
            "MONITORING_METRICS: requests, failovers, breaker states and durations are counted as they happened",
            "TAXONOMY_HARD_FAILURES: a context overflow goes to the next provider with a larger window, past those no larger (chat completion)",
            "TAXONOMY_HARD_FAILURES: a context overflow goes to the next provider with a larger window, past those no larger (streamed chat completion)",
            "TAXONOMY_HARD_FAILURES: a first chunk delayed by 3000 ms from the primary moves a chat completion to the secondary at once, within 150 ms",
            "TAXONOMY_HARD_FAILURES: a first chunk delayed by 3000 ms from the primary moves a streamed chat completion to the secondary at once, within 150 ms",
            "TAXONOMY_HARD_FAILURES: a hang after headers from the primary moves a chat completion to the secondary at once, within 150 ms",
            "TAXONOMY_HARD_FAILURES: a hang after headers from the primary moves a streamed chat completion to the secondary at once, within 150 ms",
            "TAXONOMY_HARD_FAILURES: a persistent rate limit without Retry-After is retried with backoff a bounded number of times (chat completion)",
            "TAXONOMY_HARD_FAILURES: a persistent rate limit without Retry-After is retried with backoff a bounded number of times (streamed chat completion)",
            "TAXONOMY_HARD_FAILURES: a refused connection from the primary moves a chat completion to the secondary at once, within 0 ms",
            "TAXONOMY_HARD_FAILURES: a refused connection from the primary moves a streamed chat completion to the secondary at once, within 0 ms",
            "TAXONOMY_HARD_FAILURES: a reset after headers from the primary moves a chat completion to the secondary at once, within 0 ms",
            "TAXONOMY_HARD_FAILURES: a reset after headers from the primary moves a streamed chat completion to the secondary at once, within 0 ms",
            "TAXONOMY_HARD_FAILURES: a reset before answering from the primary moves a chat completion to the secondary at once, within 0 ms",
            "TAXONOMY_HARD_FAILURES: a reset before answering from the primary moves a streamed chat completion to the secondary at once, within 0 ms",
            "TAXONOMY_HARD_FAILURES: a timeout from the primary moves a chat completion to the secondary at once, within 150 ms",
            "TAXONOMY_HARD_FAILURES: a timeout from the primary moves a streamed chat completion to the secondary at once, within 150 ms",
            "TAXONOMY_HARD_FAILURES: an answer cut short from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: an answer that is not JSON from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: an answer that stalls halfway from the primary moves a chat completion to the secondary at once, within 150 ms",
            "TAXONOMY_HARD_FAILURES: context overflow from the primary of a chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: context overflow from the primary of a streamed chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: retries stop when the retry budget is spent, and requests fail over instead",
            "TAXONOMY_HARD_FAILURES: status 401 from the primary of a chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 401 from the primary of a streamed chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 403 from the primary of a chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 408 from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 0 from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 0 from the primary of a streamed chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 30 from the primary of a chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 30 from the primary of a streamed chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 500 from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 500 from the primary of a streamed chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 502 from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 503 from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 503 from the primary of a streamed chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 504 from the primary of a chat completion is retried then failed over",
            "TC_R752_FAILOVER_001: an error rate below the threshold keeps traffic on the primary",
            "TC_R752_FAILOVER_001: latency past the attempt timeout counts as failure",
            "TC_R752_FAILOVER_001: persistent server errors move chat completions to the secondary within the minimum call count",
            "TC_R752_FAILOVER_001: persistent server errors move embeddings requests to the secondary within the minimum call count",
            "TC_R752_FAILOVER_001: the failover decision is logged with the numbers behind it",
            "TC_R752_FAILOVER_002: a chain entry that maps the model name changes only the model field",
            "TC_R752_FAILOVER_002: chat completions fail over to the secondary when the primary fails with a refused connection",
            "TC_R752_FAILOVER_002: chat completions fail over to the secondary when the primary fails with a timeout",
            "TC_R752_FAILOVER_002: chat completions fail over to the secondary when the primary fails with status 503",
            "TC_R752_FAILOVER_002: embeddings requests fail over to the secondary when the primary fails with a refused connection",
            "TC_R752_FAILOVER_002: embeddings requests fail over to the secondary when the primary fails with status 503",
            "TC_R752_FAILOVER_002: intermittent primary failures never reach the client",
            "TC_R752_FAILOVER_002: the secondary is chosen before the third provider of the chain",
            "TC_R752_FAILOVER_002: the third provider serves when the first two fail",
            "TC_R752_FAILOVER_003: failover after a refused connection costs at most the baseline plus 50 ms, and nothing once the breaker is open",
            "TC_R752_FAILOVER_003: failover after a timeout costs at most 150 ms plus 50 ms, and nothing once the breaker is open",
            "TC_R752_FAILOVER_003: failover after status 429 with Retry-After 30 costs at most the baseline plus 50 ms, and nothing once the breaker is open",
            "TC_R752_FAILOVER_003: failover after status 500 costs at most the baseline plus 50 ms, and nothing once the breaker is open",
            "TC_R752_FAILOVER_004: a repeat gets the first answer also when the first was served after failover",
            "TC_R752_FAILOVER_004: a request that must not run twice still fails over when the primary surely did not run it (a refused connection)",
            "TC_R752_FAILOVER_004: a request that must not run twice still fails over when the primary surely did not run it (status 503)",
            "TC_R752_FAILOVER_004: an inference that failed before any answer is replayed on the secondary exactly once (a reset after headers)",
            "TC_R752_FAILOVER_004: an inference that failed before any answer is replayed on the secondary exactly once (a reset before answering)",
            "TC_R752_FAILOVER_004: an inference that failed before any answer is replayed on the secondary exactly once (a timeout)",
            "TC_R752_FAILOVER_004: an inference that failed before any answer is replayed on the secondary exactly once (status 503)",
            "TC_R752_FAILOVER_004: failed attempts are logged as failures, never as served completions",
            "TC_R752_FAILOVER_004: the client is billed for the completion it got, by the provider that served it (chat completion)",
            "TC_R752_FAILOVER_004: the client is billed for the completion it got, by the provider that served it (streamed chat completion)",
            "TC_R752_FAILOVER_004: the response says which provider served it and after how many attempts",
            "TC_R752_FAILOVER_016: each outage is an episode with its class and the times that describe it, and the summary adds up",
            "TC_R752_FAILOVER_016: once the gateway has learned the outages' length, an outage costs clients fewer slowed requests than before",
            "TC_R752_FAILOVER_016: learning stays within its bounds, and a restarted gateway resumes with what it learned",
            "TC_R752_FAILOVER_005: a chain entry that maps the model changes only the model field of the conversation",
            "TC_R752_FAILOVER_005: a long conversation continues on the secondary with its whole history",
            "TC_R752_FAILOVER_005: a short conversation continues on the secondary with its whole history",
            "TC_R752_FAILOVER_005: parameters that change the answer reach the secondary unchanged",
            "TC_R752_FAILOVER_005: tool calls and tool results survive the failover",
            "TC_R752_FAILOVER_006: alternating bad and good periods switch at most once each way per stable period",
            "TC_R752_FAILOVER_006: error bursts just over the threshold switch at most once each way per stable period",
            "TC_R752_FAILOVER_006: error bursts just under the threshold never move traffic off the primary",
            "TC_R752_FAILOVER_008: a primary still failing when probed stays out for another open period",
            "TC_R752_FAILOVER_008: a probe that never answers is timed out at its deadline, whether or not another request comes",
            "TC_R752_FAILOVER_008: chat completions return to the recovered primary after its open period, not before",
            "TC_R752_FAILOVER_008: embeddings requests return to the recovered primary after its open period, not before",
            "TC_R752_FAILOVER_008: streamed chat completions return to the recovered primary after its open period, not before",
            "TC_R752_FAILOVER_009: a failure counts in the error rate as much as its class weighs",
            "TC_R752_FAILOVER_009: one noisy metric alone does not move traffic",
            "TC_R752_FAILOVER_009: several metrics each short of its threshold together move traffic",
            "TC_R752_FAILOVER_010: a degrading provider is warned about before it is drained and before any client sees a failure",
            "TC_R752_FAILOVER_010: every provider is listed with its state and health, whether clients use it or not",
        ],
    ),
    (
        Defect::ExhaustedAs500,
        &[
            "TAXONOMY_HARD_FAILURES: a silent last provider of a chain is retried, within the request's deadline (chat completion)",
            "TAXONOMY_HARD_FAILURES: a silent last provider of a chain is retried, within the request's deadline (streamed chat completion)",
            "TC_R752_FAILOVER_007: a chat completion for a model with one provider gets 503 when it fails with a refused connection",
            "TC_R752_FAILOVER_007: a chat completion for a model with one provider gets 503 when it fails with status 429 with Retry-After 0",
            "TC_R752_FAILOVER_007: a chat completion for a model with one provider gets 503 when it fails with status 500",
            "TC_R752_FAILOVER_007: a hanging provider does not hold the client past the request deadline",
            "TC_R752_FAILOVER_007: an embeddings request for a model with one provider gets 503 when it fails with status 401",
            "TC_R752_FAILOVER_007: an embeddings request for a model with one provider gets 503 when it fails with status 500",
            "TC_R752_FAILOVER_007: every provider of the chain failing gives 503 too",
            "TC_R752_FAILOVER_007: once the breaker is open the 503 comes at once and says when to retry",
            "TC_R752_FAILOVER_007: the gateway stays up and keeps serving other models",
        ],
    ),
    (
        Defect::NoBreaker,
        &[
            "TC_R752_FAILOVER_015: a recovered primary earns its traffic back through a gradual ramp, one validated share at a time",
            "TC_R752_FAILOVER_015: a recovered primary earns its traffic back through a canary, one validated share at a time",
            "TC_R752_FAILOVER_015: blue-green: no client request reaches the recovered primary until its probe traffic is validated, then all do",
            "TC_R752_FAILOVER_015: partial recovery: a primary still failing 1 request in 5 never gets all of its traffic back, and waits longer each time",
            "TC_R752_FAILOVER_015: intermittent recovery: up, down, up restarts the ramp from its first share only after a longer open period",
            "TC_R752_FAILOVER_015: while the ramp runs, the provider listing shows the primary ramping at its share",
            "MONITORING_DASHBOARD: a breaker that opens reaches the dashboard's stream within a snapshot period, with its decision",
            "TC_R752_FAILOVER_016: once the gateway has learned the outages' length, an outage costs clients fewer slowed requests than before",
            "TC_R752_FAILOVER_016: learning stays within its bounds, and a restarted gateway resumes with what it learned",
            "TC_R752_FAILOVER_016: each outage is an episode with its class and the times that describe it, and the summary adds up",
            "TC_R752_FAILOVER_016: episodes survive a restart of the gateway",
            "MONITORING_METRICS: requests, failovers, breaker states and durations are counted as they happened",
            "TAXONOMY_HARD_FAILURES: a timeout counts against the primary's breaker",
            "TAXONOMY_HARD_FAILURES: status 401 counts against the primary's breaker",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 0 counts against the primary's breaker",
            "TAXONOMY_HARD_FAILURES: status 500 counts against the primary's breaker",
            "TC_R752_FAILOVER_001: latency past the attempt timeout counts as failure",
            "TC_R752_FAILOVER_001: persistent server errors move chat completions to the secondary within the minimum call count",
            "TC_R752_FAILOVER_001: persistent server errors move embeddings requests to the secondary within the minimum call count",
            "TC_R752_FAILOVER_001: the failover decision is logged with the numbers behind it",
            "TC_R752_FAILOVER_003: failover after a timeout costs at most 150 ms plus 50 ms, and nothing once the breaker is open",
            "TC_R752_FAILOVER_003: failover after status 429 with Retry-After 30 costs at most the baseline plus 50 ms, and nothing once the breaker is open",
            "TC_R752_FAILOVER_003: failover after status 500 costs at most the baseline plus 50 ms, and nothing once the breaker is open",
            "TC_R752_FAILOVER_006: alternating bad and good periods switch at most once each way per stable period",
            "TC_R752_FAILOVER_006: error bursts just over the threshold switch at most once each way per stable period",
            "TC_R752_FAILOVER_006: the gateway's decision log agrees with the switches the client saw",
            "TC_R752_FAILOVER_007: once the breaker is open the 503 comes at once and says when to retry",
            "TC_R752_FAILOVER_008: a primary still failing when probed stays out for another open period",
            "TC_R752_FAILOVER_008: a probe that never answers is timed out at its deadline, whether or not another request comes",
            "TC_R752_FAILOVER_008: chat completions return to the recovered primary after its open period, not before",
            "TC_R752_FAILOVER_008: embeddings requests return to the recovered primary after its open period, not before",
            "TC_R752_FAILOVER_008: streamed chat completions return to the recovered primary after its open period, not before",
            "TC_R752_FAILOVER_008: the failback decision is logged",
            "TC_R752_FAILOVER_010: a provider that comes back is found out by probes, not by clients' requests",
            "TC_R752_FAILOVER_010: every provider is listed with its state and health, whether clients use it or not",
        ],
    ),
    (
        Defect::NoCooldown,
        &[
            "TC_R752_FAILOVER_013: a whole region failing moves traffic to the next region without trying its providers one by one, and traffic returns once it recovers",
            "TC_R752_FAILOVER_016: once the gateway has learned the outages' length, an outage costs clients fewer slowed requests than before",
            "MONITORING_METRICS: requests, failovers, breaker states and durations are counted as they happened",
            "TC_R752_FAILOVER_001: latency past the attempt timeout counts as failure",
            "TC_R752_FAILOVER_001: persistent server errors move chat completions to the secondary within the minimum call count",
            "TC_R752_FAILOVER_001: persistent server errors move embeddings requests to the secondary within the minimum call count",
            "TC_R752_FAILOVER_006: alternating bad and good periods switch at most once each way per stable period",
            "TC_R752_FAILOVER_006: error bursts just over the threshold switch at most once each way per stable period",
            "TC_R752_FAILOVER_006: the gateway's decision log agrees with the switches the client saw",
            "TC_R752_FAILOVER_007: once the breaker is open the 503 comes at once and says when to retry",
            "TC_R752_FAILOVER_008: a primary still failing when probed stays out for another open period",
            "TC_R752_FAILOVER_008: a probe that never answers is timed out at its deadline, whether or not another request comes",
            "TC_R752_FAILOVER_008: chat completions return to the recovered primary after its open period, not before",
            "TC_R752_FAILOVER_008: embeddings requests return to the recovered primary after its open period, not before",
            "TC_R752_FAILOVER_008: streamed chat completions return to the recovered primary after its open period, not before",
            "TC_R752_FAILOVER_009: a latency climbing towards the attempt timeout drains the primary before any request times out",
            "TC_R752_FAILOVER_009: several metrics each short of its threshold together move traffic",
        ],
    ),
    (
        Defect::ClientErrorsFailOver,
        &[
            "TAXONOMY_HARD_FAILURES: a content-filter rejection from the primary of a chat completion is returned unchanged",
            "TAXONOMY_HARD_FAILURES: a content-filter rejection from the primary of a streamed chat completion is returned unchanged",
            "TAXONOMY_HARD_FAILURES: status 400 does not count against the primary's breaker",
            "TAXONOMY_HARD_FAILURES: status 400 from the primary of a chat completion is returned unchanged",
            "TAXONOMY_HARD_FAILURES: status 400 from the primary of a streamed chat completion is returned unchanged",
            "TAXONOMY_HARD_FAILURES: status 404 does not count against the primary's breaker",
            "TAXONOMY_HARD_FAILURES: status 404 from the primary of a chat completion is returned unchanged",
            "TAXONOMY_HARD_FAILURES: status 422 from the primary of a chat completion is returned unchanged",
        ],
    ),
    (
        Defect::CountsEverything,
        &[
            "TAXONOMY_HARD_FAILURES: context overflow does not count against the primary's breaker",
            "TAXONOMY_HARD_FAILURES: status 400 does not count against the primary's breaker",
            "TAXONOMY_HARD_FAILURES: status 404 does not count against the primary's breaker",
        ],
    ),
    (
        Defect::HairTrigger,
        &[
            "TC_R752_FAILOVER_016: each outage is an episode with its class and the times that describe it, and the summary adds up",
            "TC_R752_FAILOVER_016: once the gateway has learned the outages' length, an outage costs clients fewer slowed requests than before",
            "TC_R752_FAILOVER_016: learning stays within its bounds, and a restarted gateway resumes with what it learned",
            "CONTRACT_STREAMING: after a malformed chunk the gateway is healthy, and the next stream completes",
            "MONITORING_FALLBACK_RATE: 0.5 % of requests falling back is healthy",
            "MONITORING_FALLBACK_RATE: 3 % of requests falling back is a warning, and the change is logged",
            "MONITORING_FALLBACK_RATE: 8.25 % of requests falling back is an alert, and the change is logged",
            "MONITORING_METRICS: requests, failovers, breaker states and durations are counted as they happened",
            "TAXONOMY_HARD_FAILURES: a persistent rate limit without Retry-After is retried with backoff a bounded number of times (chat completion)",
            "TAXONOMY_HARD_FAILURES: a persistent rate limit without Retry-After is retried with backoff a bounded number of times (streamed chat completion)",
            "TAXONOMY_HARD_FAILURES: a rate limit's retry-after-ms is waited out before the same provider is tried again",
            "TAXONOMY_HARD_FAILURES: a silent last provider of a chain is retried, within the request's deadline (chat completion)",
            "TAXONOMY_HARD_FAILURES: a silent last provider of a chain is retried, within the request's deadline (streamed chat completion)",
            "TAXONOMY_HARD_FAILURES: a single rate limit asking for a second is waited out, then the same provider serves (chat completion)",
            "TAXONOMY_HARD_FAILURES: a single rate limit asking for a second is waited out, then the same provider serves (streamed chat completion)",
            "TAXONOMY_HARD_FAILURES: a single server error is retried on the same provider, which then serves (chat completion)",
            "TAXONOMY_HARD_FAILURES: a single server error is retried on the same provider, which then serves (streamed chat completion)",
            "TAXONOMY_HARD_FAILURES: a timeout counts against the primary's breaker",
            "TAXONOMY_HARD_FAILURES: an answer cut short from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: an answer that is not JSON from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: retries stop when the retry budget is spent, and requests fail over instead",
            "TAXONOMY_HARD_FAILURES: status 401 counts against the primary's breaker",
            "TAXONOMY_HARD_FAILURES: status 408 from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 0 counts against the primary's breaker",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 0 from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 0 from the primary of a streamed chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 500 counts against the primary's breaker",
            "TAXONOMY_HARD_FAILURES: status 500 from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 500 from the primary of a streamed chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 502 from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 503 from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 503 from the primary of a streamed chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 504 from the primary of a chat completion is retried then failed over",
            "TC_R752_FAILOVER_001: an error rate below the threshold keeps traffic on the primary",
            "TC_R752_FAILOVER_001: the failover decision is logged with the numbers behind it",
            "TC_R752_FAILOVER_006: error bursts just under the threshold never move traffic off the primary",
            "TC_R752_FAILOVER_009: a failure counts in the error rate as much as its class weighs",
            "TC_R752_FAILOVER_009: one noisy metric alone does not move traffic",
        ],
    ),
    (
        Defect::NoRetry,
        &[
            "TAXONOMY_HARD_FAILURES: a persistent rate limit without Retry-After is retried with backoff a bounded number of times (chat completion)",
            "TAXONOMY_HARD_FAILURES: a persistent rate limit without Retry-After is retried with backoff a bounded number of times (streamed chat completion)",
            "TAXONOMY_HARD_FAILURES: a rate limit's retry-after-ms is waited out before the same provider is tried again",
            "TAXONOMY_HARD_FAILURES: a silent last provider of a chain is retried, within the request's deadline (chat completion)",
            "TAXONOMY_HARD_FAILURES: a silent last provider of a chain is retried, within the request's deadline (streamed chat completion)",
            "TAXONOMY_HARD_FAILURES: a single rate limit asking for a second is waited out, then the same provider serves (chat completion)",
            "TAXONOMY_HARD_FAILURES: a single rate limit asking for a second is waited out, then the same provider serves (streamed chat completion)",
            "TAXONOMY_HARD_FAILURES: a single server error is retried on the same provider, which then serves (chat completion)",
            "TAXONOMY_HARD_FAILURES: a single server error is retried on the same provider, which then serves (streamed chat completion)",
            "TAXONOMY_HARD_FAILURES: an answer cut short from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: an answer that is not JSON from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: retries stop when the retry budget is spent, and requests fail over instead",
            "TAXONOMY_HARD_FAILURES: status 408 from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 0 from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 0 from the primary of a streamed chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 500 from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 500 from the primary of a streamed chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 502 from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 503 from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 503 from the primary of a streamed chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 504 from the primary of a chat completion is retried then failed over",
        ],
    ),
    (
        Defect::RetriesEverything,
        &[
            "TAXONOMY_HARD_FAILURES: a context overflow goes to the next provider with a larger window, past those no larger (chat completion)",
            "TAXONOMY_HARD_FAILURES: a context overflow goes to the next provider with a larger window, past those no larger (streamed chat completion)",
            "TAXONOMY_HARD_FAILURES: a rate limit's retry-after-ms is waited out before the same provider is tried again",
            "TAXONOMY_HARD_FAILURES: a single rate limit asking for a second is waited out, then the same provider serves (chat completion)",
            "TAXONOMY_HARD_FAILURES: a single rate limit asking for a second is waited out, then the same provider serves (streamed chat completion)",
            "TAXONOMY_HARD_FAILURES: context overflow from the primary of a chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: context overflow from the primary of a streamed chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 401 from the primary of a chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 401 from the primary of a streamed chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 403 from the primary of a chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 30 from the primary of a chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 30 from the primary of a streamed chat completion is failed over at once",
        ],
    ),
    (
        Defect::IgnoresRetryAfter,
        &[
            "TAXONOMY_HARD_FAILURES: a rate limit's retry-after-ms is waited out before the same provider is tried again",
            "TAXONOMY_HARD_FAILURES: a single rate limit asking for a second is waited out, then the same provider serves (chat completion)",
            "TAXONOMY_HARD_FAILURES: a single rate limit asking for a second is waited out, then the same provider serves (streamed chat completion)",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 30 from the primary of a chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 30 from the primary of a streamed chat completion is failed over at once",
        ],
    ),
    (
        Defect::SplicesStreams,
        &[
            "CONTRACT_STREAMING: a stream that breaks after output ends with an error event, never as complete (a malformed chunk after 2 chunks)",
            "CONTRACT_STREAMING: a stream that breaks after output ends with an error event, never as complete (a stream cut after 2 chunks)",
            "CONTRACT_STREAMING: a stream that breaks after output ends with an error event, never as complete (a stream reset after 2 chunks)",
            "CONTRACT_STREAMING: a stream that ends complete but without [DONE] is finalised at once, with its usage",
            "CONTRACT_STREAMING: a stream that stalls is ended with an error event within the idle timeout, and the gateway carries on",
            "CONTRACT_STREAMING: after a malformed chunk the gateway is healthy, and the next stream completes",
            "TC_R752_FAILOVER_004: a stream that failed after partial output is not replayed",
        ],
    ),
    (
        Defect::CutStreamAsCleanEnd,
        &[
            "CONTRACT_STREAMING: a stream that breaks after output ends with an error event, never as complete (a malformed chunk after 2 chunks)",
            "CONTRACT_STREAMING: a stream that breaks after output ends with an error event, never as complete (a stream cut after 2 chunks)",
            "CONTRACT_STREAMING: a stream that breaks after output ends with an error event, never as complete (a stream reset after 2 chunks)",
            "CONTRACT_STREAMING: a stream that stalls is ended with an error event within the idle timeout, and the gateway carries on",
            "CONTRACT_STREAMING: after a malformed chunk the gateway is healthy, and the next stream completes",
            "TC_R752_FAILOVER_004: a stream that failed after partial output is not replayed",
        ],
    ),
    (
        Defect::BuffersStreams,
        &[
            "MONITORING_DASHBOARD: a breaker that opens reaches the dashboard's stream within a snapshot period, with its decision",
            "CONTRACT_STREAMING: events are relayed one by one as they arrive, then [DONE]",
        ],
    ),
    (
        Defect::WaitsForMissingDone,
        &[
            "CONTRACT_STREAMING: a stream served after failover and ended without [DONE] names the model that served, with its usage",
            "CONTRACT_STREAMING: a stream that ends complete but without [DONE] is finalised at once, with its usage",
        ],
    ),
    (
        Defect::DropsHistoryOnFailover,
        &[
            "TC_R752_FAILOVER_005: a chain entry that maps the model changes only the model field of the conversation",
            "TC_R752_FAILOVER_005: a long conversation continues on the secondary with its whole history",
            "TC_R752_FAILOVER_005: a short conversation continues on the secondary with its whole history",
            "TC_R752_FAILOVER_005: parameters that change the answer reach the secondary unchanged",
            "TC_R752_FAILOVER_005: tool calls and tool results survive the failover",
        ],
    ),
    (
        Defect::ReplaysNonIdempotent,
        &[
            "TC_R752_FAILOVER_004: a model configured as not idempotent is not replayed when the primary may have run it",
            "TC_R752_FAILOVER_004: a request that stores its result is not replayed when the primary may have run it (a reset after headers)",
            "TC_R752_FAILOVER_004: a request that stores its result is not replayed when the primary may have run it (a timeout)",
        ],
    ),
    (
        Defect::IgnoresIdempotencyKey,
        &[
            "TC_R752_FAILOVER_004: a repeat gets the first answer also when the first was served after failover",
            "TC_R752_FAILOVER_004: a request repeated with its Idempotency-Key gets the first answer, with no second upstream call",
            "TC_R752_FAILOVER_004: an Idempotency-Key reused with a different body is rejected with 422",
        ],
    ),
    (
        Defect::IgnoresRetryBudget,
        &["TAXONOMY_HARD_FAILURES: retries stop when the retry budget is spent, and requests fail over instead"],
    ),
    (
        Defect::ForgetsTransitions,
        &[
            "TC_R752_FAILOVER_015: a recovered primary earns its traffic back through a gradual ramp, one validated share at a time",
            "TC_R752_FAILOVER_015: a recovered primary earns its traffic back through a canary, one validated share at a time",
            "TC_R752_FAILOVER_015: blue-green: no client request reaches the recovered primary until its probe traffic is validated, then all do",
            "TC_R752_FAILOVER_015: partial recovery: a primary still failing 1 request in 5 never gets all of its traffic back, and waits longer each time",
            "TC_R752_FAILOVER_015: intermittent recovery: up, down, up restarts the ramp from its first share only after a longer open period",
            "TC_R752_FAILOVER_001: the failover decision is logged with the numbers behind it",
            "TC_R752_FAILOVER_006: the gateway's decision log agrees with the switches the client saw",
            "TC_R752_FAILOVER_008: a probe that never answers is timed out at its deadline, whether or not another request comes",
            "TC_R752_FAILOVER_008: the failback decision is logged",
            "TC_R752_FAILOVER_009: the drain is logged with the numbers that explain it",
        ],
    ),
    (
        Defect::AcceptsAnyBody,
        &[
            "CONTRACT_BAD_INPUT: a JSON array is rejected with 400",
            "CONTRACT_BAD_INPUT: a body over the limit is rejected with 413",
            "CONTRACT_BAD_INPUT: a missing model is rejected with 400",
            "CONTRACT_BAD_INPUT: a non-string model is rejected with 400",
            "CONTRACT_BAD_INPUT: an unknown model is rejected with 404",
            "CONTRACT_BAD_INPUT: malformed JSON is rejected with 400",
        ],
    ),
    (
        Defect::HammersProvider,
        &[
            "CONTRACT_STREAMING: a stream that fails before its first event fails over (status 503)",
            "MONITORING_FALLBACK_RATE: 0.5 % of requests falling back is healthy",
            "MONITORING_FALLBACK_RATE: 3 % of requests falling back is a warning, and the change is logged",
            "MONITORING_FALLBACK_RATE: 8.25 % of requests falling back is an alert, and the change is logged",
            "MONITORING_METRICS: requests, failovers, breaker states and durations are counted as they happened",
            "TAXONOMY_HARD_FAILURES: a context overflow goes to the next provider with a larger window, past those no larger (chat completion)",
            "TAXONOMY_HARD_FAILURES: a context overflow goes to the next provider with a larger window, past those no larger (streamed chat completion)",
            "TAXONOMY_HARD_FAILURES: a persistent rate limit without Retry-After is retried with backoff a bounded number of times (chat completion)",
            "TAXONOMY_HARD_FAILURES: a persistent rate limit without Retry-After is retried with backoff a bounded number of times (streamed chat completion)",
            "TAXONOMY_HARD_FAILURES: a rate limit's retry-after-ms is waited out before the same provider is tried again",
            "TAXONOMY_HARD_FAILURES: a silent last provider of a chain is retried, within the request's deadline (chat completion)",
            "TAXONOMY_HARD_FAILURES: a silent last provider of a chain is retried, within the request's deadline (streamed chat completion)",
            "TAXONOMY_HARD_FAILURES: a single rate limit asking for a second is waited out, then the same provider serves (chat completion)",
            "TAXONOMY_HARD_FAILURES: a single rate limit asking for a second is waited out, then the same provider serves (streamed chat completion)",
            "TAXONOMY_HARD_FAILURES: an answer cut short from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: an answer that is not JSON from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: context overflow does not count against the primary's breaker",
            "TAXONOMY_HARD_FAILURES: context overflow from the primary of a chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: context overflow from the primary of a streamed chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 401 from the primary of a chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 401 from the primary of a streamed chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 403 from the primary of a chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 408 from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 0 from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 0 from the primary of a streamed chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 30 from the primary of a chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 30 from the primary of a streamed chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 500 from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 500 from the primary of a streamed chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 502 from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 503 from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 503 from the primary of a streamed chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: status 504 from the primary of a chat completion is retried then failed over",
            "TC_R752_FAILOVER_001: an error rate below the threshold keeps traffic on the primary",
            "TC_R752_FAILOVER_004: a repeat gets the first answer also when the first was served after failover",
            "TC_R752_FAILOVER_004: an inference that failed before any answer is replayed on the secondary exactly once (status 503)",
            "TC_R752_FAILOVER_004: the client is billed for the completion it got, by the provider that served it (chat completion)",
            "TC_R752_FAILOVER_004: the client is billed for the completion it got, by the provider that served it (streamed chat completion)",
            "TC_R752_FAILOVER_004: the response says which provider served it and after how many attempts",
        ],
    ),
    (
        Defect::RetriesSilentProvider,
        &[
            "TAXONOMY_HARD_FAILURES: a first chunk delayed by 3000 ms from the primary moves a chat completion to the secondary at once, within 150 ms",
            "TAXONOMY_HARD_FAILURES: a first chunk delayed by 3000 ms from the primary moves a streamed chat completion to the secondary at once, within 150 ms",
            "TAXONOMY_HARD_FAILURES: a hang after headers from the primary moves a chat completion to the secondary at once, within 150 ms",
            "TAXONOMY_HARD_FAILURES: a hang after headers from the primary moves a streamed chat completion to the secondary at once, within 150 ms",
            "TAXONOMY_HARD_FAILURES: a reset after headers from the primary moves a chat completion to the secondary at once, within 0 ms",
            "TAXONOMY_HARD_FAILURES: a reset after headers from the primary moves a streamed chat completion to the secondary at once, within 0 ms",
            "TAXONOMY_HARD_FAILURES: a reset before answering from the primary moves a chat completion to the secondary at once, within 0 ms",
            "TAXONOMY_HARD_FAILURES: a reset before answering from the primary moves a streamed chat completion to the secondary at once, within 0 ms",
            "TAXONOMY_HARD_FAILURES: a timeout from the primary moves a chat completion to the secondary at once, within 150 ms",
            "TAXONOMY_HARD_FAILURES: a timeout from the primary moves a streamed chat completion to the secondary at once, within 150 ms",
            "TAXONOMY_HARD_FAILURES: an answer that stalls halfway from the primary moves a chat completion to the secondary at once, within 150 ms",
        ],
    ),
    (
        Defect::RelaysUnreadableAnswers,
        &[
            "TAXONOMY_HARD_FAILURES: an answer cut short from the primary of a chat completion is retried then failed over",
            "TAXONOMY_HARD_FAILURES: an answer that is not JSON from the primary of a chat completion is retried then failed over",
        ],
    ),
    (
        Defect::DropsStreamedUsage,
        &[
            "CONTRACT_STREAMING: a stream served after failover and ended without [DONE] names the model that served, with its usage",
            "CONTRACT_STREAMING: a stream that ends complete but without [DONE] is finalised at once, with its usage",
            "TC_R752_FAILOVER_004: the client is billed for the completion it got, by the provider that served it (streamed chat completion)",
        ],
    ),
    (
        Defect::ProbesNeverTimeOut,
        &[
            "TC_R752_FAILOVER_008: a probe that never answers is timed out at its deadline, whether or not another request comes",
        ],
    ),
    (
        Defect::BareErrors,
        &[
            "CONTRACT_BAD_INPUT: a JSON array is rejected with 400",
            "CONTRACT_BAD_INPUT: a body over the limit is rejected with 413",
            "CONTRACT_BAD_INPUT: a missing model is rejected with 400",
            "CONTRACT_BAD_INPUT: a non-string model is rejected with 400",
            "CONTRACT_BAD_INPUT: a wrong method is rejected with 405",
            "CONTRACT_BAD_INPUT: an unknown endpoint is rejected with 404",
            "CONTRACT_BAD_INPUT: an unknown model is rejected with 404",
            "CONTRACT_BAD_INPUT: malformed JSON is rejected with 400",
            "TC_R752_FAILOVER_004: an Idempotency-Key reused with a different body is rejected with 422",
        ],
    ),
    (
        Defect::StartsWithBadConfig,
        &["CONTRACT_BAD_INPUT: a config naming an unknown provider stops the gateway from starting"],
    ),
    (
        Defect::DecidesOnErrorsAlone,
        &[
            "TC_R752_FAILOVER_009: a latency climbing towards the attempt timeout drains the primary before any request times out",
            "TC_R752_FAILOVER_009: several metrics each short of its threshold together move traffic",
            "TC_R752_FAILOVER_009: the drain is logged with the numbers that explain it",
            "TC_R752_FAILOVER_010: a degrading provider is warned about before it is drained and before any client sees a failure",
        ],
    ),
    (
        Defect::DrainsOnAnyMetric,
        &[
            "MONITORING_METRICS: every provider's health score is a metric",
            "TC_R752_FAILOVER_009: a failure counts in the error rate as much as its class weighs",
            "TC_R752_FAILOVER_009: a latency climbing towards the attempt timeout drains the primary before any request times out",
            "TC_R752_FAILOVER_009: one noisy metric alone does not move traffic",
            "TC_R752_FAILOVER_009: the drain is logged with the numbers that explain it",
            "TC_R752_FAILOVER_010: a degrading provider is warned about before it is drained and before any client sees a failure",
            "TC_R752_FAILOVER_010: three providers failing in different ways each show their own failure, ordered by score",
        ],
    ),
    (
        Defect::NoActiveProbes,
        &[
            "TC_R752_FAILOVER_015: blue-green: no client request reaches the recovered primary until its probe traffic is validated, then all do",
            "TC_R752_FAILOVER_010: a provider that comes back is found out by probes, not by clients' requests",
            "TC_R752_FAILOVER_010: every provider is listed with its state and health, whether clients use it or not",
            "TC_R752_FAILOVER_010: three providers failing in different ways each show their own failure, ordered by score",
        ],
    ),
    (
        Defect::HealthApiLies,
        &[
            "TC_R752_FAILOVER_015: while the ramp runs, the provider listing shows the primary ramping at its share",
            "TC_R752_FAILOVER_009: a failure counts in the error rate as much as its class weighs",
            "TC_R752_FAILOVER_010: every provider is listed with its state and health, whether clients use it or not",
            "TC_R752_FAILOVER_010: three providers failing in different ways each show their own failure, ordered by score",
        ],
    ),
    (
        Defect::NoWarnings,
        &[
            "TC_R752_FAILOVER_010: a degrading provider is warned about before it is drained and before any client sees a failure",
        ],
    ),
    (Defect::OpenAdmin, &["TC_R752_FAILOVER_010: the admin API needs its token and never shows it"]),
    (
        Defect::MiscountsFallbacks,
        &[
            "MONITORING_FALLBACK_RATE: 0.5 % of requests falling back is healthy",
            "MONITORING_FALLBACK_RATE: 3 % of requests falling back is a warning, and the change is logged",
            "MONITORING_FALLBACK_RATE: 8.25 % of requests falling back is an alert, and the change is logged",
        ],
    ),
    (
        Defect::MetricsStandStill,
        &[
            "MONITORING_FALLBACK_RATE: 0.5 % of requests falling back is healthy",
            "MONITORING_FALLBACK_RATE: 3 % of requests falling back is a warning, and the change is logged",
            "MONITORING_FALLBACK_RATE: 8.25 % of requests falling back is an alert, and the change is logged",
            "MONITORING_METRICS: every provider's health score is a metric",
            "MONITORING_METRICS: requests, failovers, breaker states and durations are counted as they happened",
        ],
    ),
    // Its soft-failure counters stand still too.
    (Defect::MetricsStandStill, SOFT_FLAGGED),
    (
        Defect::DrillsDoNothing,
        &[
            "MONITORING_FIRE_DRILLS: a drill of timeouts is taken over too",
            "MONITORING_FIRE_DRILLS: a drill on the primary is taken over by the secondary, with no failure a client sees, and ends by itself",
            "MONITORING_FIRE_DRILLS: a drill scheduled by cron runs by itself",
        ],
    ),
    (Defect::ErrorsAllAlike, &["TC_R752_FAILOVER_009: a failure counts in the error rate as much as its class weighs"]),
    (
        Defect::NoStore,
        &[
            "TC_R752_FAILOVER_016: once the gateway has learned the outages' length, an outage costs clients fewer slowed requests than before",
            "TC_R752_FAILOVER_016: learning stays within its bounds, and a restarted gateway resumes with what it learned",
            "TC_R752_FAILOVER_016: a missing store file is not silently replaced by an empty one",
            "TC_R752_FAILOVER_016: a store file that is not a store stops the gateway, and is left as it was",
            "TC_R752_FAILOVER_016: each outage is an episode with its class and the times that describe it, and the summary adds up",
            "TC_R752_FAILOVER_016: episodes survive a restart of the gateway",
        ],
    ),
    (
        Defect::FreshStoreEachStart,
        &[
            "TC_R752_FAILOVER_016: learning stays within its bounds, and a restarted gateway resumes with what it learned",
            "TC_R752_FAILOVER_016: a missing store file is not silently replaced by an empty one",
            "TC_R752_FAILOVER_016: a store file that is not a store stops the gateway, and is left as it was",
            "TC_R752_FAILOVER_016: episodes survive a restart of the gateway",
        ],
    ),
    (
        Defect::FrozenDashboard,
        &[
            "MONITORING_DASHBOARD: a breaker that opens reaches the dashboard's stream within a snapshot period, with its decision",
        ],
    ),
    (
        Defect::NeverAdjusts,
        &[
            "TC_R752_FAILOVER_016: once the gateway has learned the outages' length, an outage costs clients fewer slowed requests than before",
            "TC_R752_FAILOVER_016: learning stays within its bounds, and a restarted gateway resumes with what it learned",
        ],
    ),
    (
        Defect::ImmediateFailback,
        &[
            "TC_R752_FAILOVER_015: a recovered primary earns its traffic back through a gradual ramp, one validated share at a time",
            "TC_R752_FAILOVER_015: a recovered primary earns its traffic back through a canary, one validated share at a time",
            "TC_R752_FAILOVER_015: blue-green: no client request reaches the recovered primary until its probe traffic is validated, then all do",
            "TC_R752_FAILOVER_015: partial recovery: a primary still failing 1 request in 5 never gets all of its traffic back, and waits longer each time",
            "TC_R752_FAILOVER_015: intermittent recovery: up, down, up restarts the ramp from its first share only after a longer open period",
            "TC_R752_FAILOVER_015: while the ramp runs, the provider listing shows the primary ramping at its share",
        ],
    ),
    (
        Defect::UnvalidatedRamp,
        &[
            "TC_R752_FAILOVER_015: a recovered primary earns its traffic back through a gradual ramp, one validated share at a time",
            "TC_R752_FAILOVER_015: a recovered primary earns its traffic back through a canary, one validated share at a time",
            "TC_R752_FAILOVER_015: blue-green: no client request reaches the recovered primary until its probe traffic is validated, then all do",
            "TC_R752_FAILOVER_015: partial recovery: a primary still failing 1 request in 5 never gets all of its traffic back, and waits longer each time",
            "TC_R752_FAILOVER_015: intermittent recovery: up, down, up restarts the ramp from its first share only after a longer open period",
            "TC_R752_FAILOVER_015: while the ramp runs, the provider listing shows the primary ramping at its share",
        ],
    ),
    (
        Defect::RampIgnoresShare,
        &[
            "TC_R752_FAILOVER_015: a recovered primary earns its traffic back through a gradual ramp, one validated share at a time",
            "TC_R752_FAILOVER_015: a recovered primary earns its traffic back through a canary, one validated share at a time",
            "TC_R752_FAILOVER_015: intermittent recovery: up, down, up restarts the ramp from its first share only after a longer open period",
        ],
    ),
    (
        Defect::IgnoresLatency,
        &[
            "TC_R752_FAILOVER_013: among providers of equal priority, the one in the nearest region serves once both are measured",
            "TC_R752_FAILOVER_013: a whole region failing moves traffic to the next region without trying its providers one by one, and traffic returns once it recovers",
        ],
    ),
    (
        Defect::NoHysteresis,
        &["TC_R752_FAILOVER_013: two regions about as fast do not make traffic alternate between them"],
    ),
    (
        Defect::IgnoresRegions,
        &[
            "TC_R752_FAILOVER_013: a whole region failing moves traffic to the next region without trying its providers one by one, and traffic returns once it recovers",
        ],
    ),
    (
        Defect::NoPrewarm,
        &["TC_R752_FAILOVER_012: the first request after a failover finds a warm connection to the secondary"],
    ),
    (
        Defect::HesitantFailover,
        // Every failover it makes is 150 ms late: whatever bounds the time a
        // failover takes, or a retry's schedule, catches it.
        &[
            "CONTRACT_STREAMING: a stream that fails before its first event fails over (a first chunk delayed by 3000 ms)",
            "CONTRACT_STREAMING: a stream that fails before its first event fails over (a reset after headers)",
            "CONTRACT_STREAMING: a stream that fails before its first event fails over (a stream reset after 0 chunks)",
            "CONTRACT_STREAMING: a stream that fails before its first event fails over (status 503)",
            "MONITORING_FALLBACK_RATE: 0.5 % of requests falling back is healthy",
            "MONITORING_FALLBACK_RATE: 3 % of requests falling back is a warning, and the change is logged",
            "MONITORING_FALLBACK_RATE: 8.25 % of requests falling back is an alert, and the change is logged",
            "MONITORING_FIRE_DRILLS: a drill of timeouts is taken over too",
            "MONITORING_METRICS: requests, failovers, breaker states and durations are counted as they happened",
            "TAXONOMY_HARD_FAILURES: a context overflow goes to the next provider with a larger window, past those no larger (chat completion)",
            "TAXONOMY_HARD_FAILURES: a context overflow goes to the next provider with a larger window, past those no larger (streamed chat completion)",
            "TAXONOMY_HARD_FAILURES: a first chunk delayed by 3000 ms from the primary moves a chat completion to the secondary at once, within 150 ms",
            "TAXONOMY_HARD_FAILURES: a first chunk delayed by 3000 ms from the primary moves a streamed chat completion to the secondary at once, within 150 ms",
            "TAXONOMY_HARD_FAILURES: a hang after headers from the primary moves a chat completion to the secondary at once, within 150 ms",
            "TAXONOMY_HARD_FAILURES: a hang after headers from the primary moves a streamed chat completion to the secondary at once, within 150 ms",
            "TAXONOMY_HARD_FAILURES: a refused connection from the primary moves a chat completion to the secondary at once, within 0 ms",
            "TAXONOMY_HARD_FAILURES: a refused connection from the primary moves a streamed chat completion to the secondary at once, within 0 ms",
            "TAXONOMY_HARD_FAILURES: a reset after headers from the primary moves a chat completion to the secondary at once, within 0 ms",
            "TAXONOMY_HARD_FAILURES: a reset after headers from the primary moves a streamed chat completion to the secondary at once, within 0 ms",
            "TAXONOMY_HARD_FAILURES: a reset before answering from the primary moves a chat completion to the secondary at once, within 0 ms",
            "TAXONOMY_HARD_FAILURES: a reset before answering from the primary moves a streamed chat completion to the secondary at once, within 0 ms",
            "TAXONOMY_HARD_FAILURES: a single rate limit asking for a second is waited out, then the same provider serves (chat completion)",
            "TAXONOMY_HARD_FAILURES: a single rate limit asking for a second is waited out, then the same provider serves (streamed chat completion)",
            "TAXONOMY_HARD_FAILURES: a timeout from the primary moves a chat completion to the secondary at once, within 150 ms",
            "TAXONOMY_HARD_FAILURES: a timeout from the primary moves a streamed chat completion to the secondary at once, within 150 ms",
            "TAXONOMY_HARD_FAILURES: an answer that stalls halfway from the primary moves a chat completion to the secondary at once, within 150 ms",
            "TAXONOMY_HARD_FAILURES: context overflow does not count against the primary's breaker",
            "TAXONOMY_HARD_FAILURES: context overflow from the primary of a chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: context overflow from the primary of a streamed chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 401 from the primary of a chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 401 from the primary of a streamed chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 403 from the primary of a chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 30 from the primary of a chat completion is failed over at once",
            "TAXONOMY_HARD_FAILURES: status 429 with Retry-After 30 from the primary of a streamed chat completion is failed over at once",
            "TC_R752_FAILOVER_001: an error rate below the threshold keeps traffic on the primary",
            "TC_R752_FAILOVER_003: failover after a refused connection costs at most the baseline plus 50 ms, and nothing once the breaker is open",
            "TC_R752_FAILOVER_003: failover after a timeout costs at most 150 ms plus 50 ms, and nothing once the breaker is open",
            "TC_R752_FAILOVER_003: failover after status 429 with Retry-After 30 costs at most the baseline plus 50 ms, and nothing once the breaker is open",
            "TC_R752_FAILOVER_003: failover after status 500 costs at most the baseline plus 50 ms, and nothing once the breaker is open",
            "TC_R752_FAILOVER_004: a repeat gets the first answer also when the first was served after failover",
            "TC_R752_FAILOVER_004: an inference that failed before any answer is replayed on the secondary exactly once (a reset after headers)",
            "TC_R752_FAILOVER_004: an inference that failed before any answer is replayed on the secondary exactly once (a reset before answering)",
            "TC_R752_FAILOVER_004: an inference that failed before any answer is replayed on the secondary exactly once (a timeout)",
            "TC_R752_FAILOVER_004: an inference that failed before any answer is replayed on the secondary exactly once (status 503)",
            "TC_R752_FAILOVER_004: the client is billed for the completion it got, by the provider that served it (chat completion)",
            "TC_R752_FAILOVER_004: the client is billed for the completion it got, by the provider that served it (streamed chat completion)",
            "TC_R752_FAILOVER_004: the response says which provider served it and after how many attempts",
            "TC_R752_FAILOVER_012: each failover is decided within 100 ms of the failed answer and reaches the fallback within 50 ms (a reset before answering)",
            "TC_R752_FAILOVER_012: each failover is decided within 100 ms of the failed answer and reaches the fallback within 50 ms (status 503)",
            "TC_R752_FAILOVER_012: the first request after a failover finds a warm connection to the secondary",
            "TC_R752_FAILOVER_016: each outage is an episode with its class and the times that describe it, and the summary adds up",
            // 500 ms on the slow primary, 150 ms of hesitation and another 500 ms: past 500 + 500.
            "TC_R752_FAILOVER_001: latency past the attempt timeout counts as failure",
        ],
    ),
    (
        Defect::LeaksDescriptors,
        &["TC_R752_FAILOVER_012: open descriptors and memory return to their level after a failover storm"],
    ),
    (
        Defect::LeaksMemory,
        &["TC_R752_FAILOVER_012: open descriptors and memory return to their level after a failover storm"],
    ),
    (
        Defect::NoShedding,
        &[
            "TC_R752_FAILOVER_011: beyond what it takes on, the gateway sheds load with 503 and Retry-After, dropping no connection",
        ],
    ),
    (
        Defect::NoStallDetection,
        &["TC_R752_FAILOVER_011: 2,000 requests in flight lose none while the primary stops answering and recovers"],
    ),
    (
        Defect::IgnoresProviderBound,
        &[
            "TC_R752_FAILOVER_011: a provider is sent at most its bound of requests at once, and the rest go to the next provider",
            "TC_R752_FAILOVER_011: past every provider's bound the gateway sheds with 503 and Retry-After, dropping no connection",
        ],
    ),
    (Defect::IgnoresSoftFailures, SOFT_FLAGGED),
    (
        Defect::FlagsEveryAnswer,
        &[
            "TAXONOMY_SOFT_FAILURES: a good answer to a request giving its sources is not flagged",
            "TAXONOMY_SOFT_FAILURES: a refusal in words reaches the client flagged as refusal",
            "TAXONOMY_SOFT_FAILURES: a refusal reaches the client flagged as refusal",
            "TAXONOMY_SOFT_FAILURES: an answer citing a source it was not given reaches the client flagged as hallucination",
            "TAXONOMY_SOFT_FAILURES: an answer cut at its length limit to a chat completion asking a short question is not flagged",
            "TAXONOMY_SOFT_FAILURES: an answer off its instructions reaches the client flagged as instruction_drift",
            "TAXONOMY_SOFT_FAILURES: an answer stopped by its content filter reaches the client flagged as refusal",
            "TAXONOMY_SOFT_FAILURES: an answer that is not the JSON asked for reaches the client flagged as format_violation",
            "TAXONOMY_SOFT_FAILURES: an answer that is not the JSON asked for to a chat completion asking a short question is not flagged",
            SOFT_SCHEMA_FLAGGED,
            "TAXONOMY_SOFT_FAILURES: a good answer to a chat completion asking for JSON matching a schema is not flagged",
            "TAXONOMY_SOFT_FAILURES: JSON of any shape answering a chat completion asking for JSON without a schema is not flagged",
        ],
    ),
    (Defect::KeepsWrongAnswers, SOFT_FAILED_OVER),
    (Defect::KeepsWrongAnswers, &[SOFT_BREAKER]),
    (Defect::IgnoresSoftFailures, SOFT_FAILED_OVER),
    (Defect::IgnoresSoftFailures, &[SOFT_BREAKER]),
    (Defect::FlagsEveryAnswer, SOFT_FAILED_OVER),
    (Defect::FlagsEveryAnswer, &[SOFT_BREAKER]),
    (Defect::MetricsStandStill, SOFT_FAILED_OVER),
    (Defect::NeverFailOver, SOFT_FAILED_OVER),
    (Defect::NeverFailOver, &[SOFT_BREAKER]),
    (Defect::NoBreaker, &[SOFT_BREAKER]),
    (Defect::NoCooldown, &[SOFT_BREAKER]),
    (Defect::HairTrigger, &[SOFT_BREAKER]),
    // Each tries the provider that just answered wrong again.
    (Defect::HammersProvider, SOFT_FAILED_OVER),
    (Defect::HesitantFailover, SOFT_FAILED_OVER),
    // Acting on the classes only flagged, it serves their answers elsewhere.
    (Defect::FailsOverOnEveryClass, SOFT_FLAGGED),
    (
        Defect::FailsOverOnEveryClass,
        &["TAXONOMY_SOFT_FAILURES: a class not acted on is only flagged, and the primary's breaker does not count it"],
    ),
    // Streamed answers: judged at their end, flagged, counted by the breaker.
    (Defect::IgnoresSoftFailures, SOFT_STREAM_FLAGGED),
    (Defect::IgnoresSoftFailures, &[SOFT_STREAM_BREAKER]),
    // A stream's token rate, against its provider's usual, learned first:
    // the usual pace is not flagged, a fraction of it is.
    (Defect::IgnoresTokenRate, &[SOFT_RATE]),
    // The judge: its score acted on below the minimum only.
    (Defect::IgnoresJudge, &[JUDGE_LOW]),
    (Defect::JudgesAtMinimum, &[JUDGE_AT_MINIMUM]),
    (Defect::IgnoresSoftFailures, &[JUDGE_SEEN_WRONG]),
    (Defect::FlagsEveryAnswer, &[JUDGE_LOW, JUDGE_AT_MINIMUM, JUDGE_STREAM]),
    // Failing over on a class only flagged serves the judged answer elsewhere.
    (Defect::FailsOverOnEveryClass, &[JUDGE_LOW, JUDGE_SEEN_WRONG]),
    // A spliced stream is not the primary's.
    (Defect::SplicesStreams, &[SOFT_RATE]),
    (Defect::FlagsEveryAnswer, JUDGE_TROUBLE),
    (Defect::MetricsStandStill, &[JUDGE_LOW]),
    (Defect::MetricsStandStill, JUDGE_TROUBLE),
    (Defect::IgnoresSoftFailures, &[SOFT_RATE]),
    (Defect::FlagsEveryAnswer, &[SOFT_RATE]),
    (Defect::MetricsStandStill, SOFT_STREAM_FLAGGED),
    (
        Defect::FlagsEveryAnswer,
        &[
            "TAXONOMY_SOFT_FAILURES: a refusal, streamed, reaches the client whole, its last chunk flagging it as refusal",
            "TAXONOMY_SOFT_FAILURES: an answer that is not the JSON asked for, streamed, reaches the client whole, its last chunk flagging it as format_violation",
            "TAXONOMY_SOFT_FAILURES: an answer off its instructions, streamed, reaches the client whole, its last chunk flagging it as instruction_drift",
            "TAXONOMY_SOFT_FAILURES: an answer citing a source it was not given, streamed, reaches the client whole, its last chunk flagging it as hallucination",
            "TAXONOMY_SOFT_FAILURES: a good streamed answer to a chat completion asking for JSON carries no flag",
            "TAXONOMY_SOFT_FAILURES: a good streamed answer to a chat completion giving its sources carries no flag",
            SOFT_STREAM_BREAKER,
        ],
    ),
    (Defect::KeepsWrongAnswers, &[SOFT_STREAM_BREAKER]),
    (Defect::StreamedSoftUncounted, &[SOFT_STREAM_BREAKER]),
    (Defect::IgnoresSchemas, &[SOFT_SCHEMA_FLAGGED, SOFT_SCHEMA_FAILED_OVER]),
    (Defect::IgnoresModelVersion, SUBSTITUTION_CAUGHT),
    // A substitution is a soft failure like the others: what misses, acts on
    // or counts every soft failure wrongly misses, acts on or counts it too.
    (Defect::IgnoresSoftFailures, SUBSTITUTION_CAUGHT),
    (Defect::FlagsEveryAnswer, SUBSTITUTION_CAUGHT),
    (Defect::FlagsEveryAnswer, SUBSTITUTION_CLEAN),
    (Defect::MetricsStandStill, &[SUBST_MID_RUN, SUBST_STREAM, SUBST_ACTED]),
    (Defect::FailsOverOnEveryClass, &[SUBST_MID_RUN, SUBST_ALIAS]),
    (Defect::NeverFailOver, &[SUBST_ACTED]),
    (Defect::HammersProvider, &[SUBST_ACTED]),
    (Defect::HesitantFailover, &[SUBST_ACTED]),
    (Defect::KeepsWrongAnswers, &[SUBST_ACTED]),
    // Content-policy fallback: refusals go to the content-policy chain, uncounted.
    (Defect::IgnoresContentPolicyChain, CONTENT_POLICY_REFUSED),
    (Defect::IgnoresContentPolicyChain, &[CONTENT_POLICY_JUDGED, CONTENT_POLICY_UNCOUNTED]),
    (Defect::CountsEverything, &[CONTENT_POLICY_UNCOUNTED]),
    // Moving to the content-policy chain is a failover.
    (Defect::NeverFailOver, CONTENT_POLICY_REFUSED),
    (Defect::NeverFailOver, &[CONTENT_POLICY_JUDGED, CONTENT_POLICY_UNCOUNTED]),
    // Each tries the refusing provider again before the content-policy chain.
    (Defect::HammersProvider, CONTENT_POLICY_REFUSED),
    (Defect::HammersProvider, &[CONTENT_POLICY_JUDGED, CONTENT_POLICY_UNCOUNTED]),
    (Defect::HesitantFailover, CONTENT_POLICY_REFUSED),
    (Defect::HesitantFailover, &[CONTENT_POLICY_UNCOUNTED]),
    // A refusal taken for a server error goes to the secondary.
    (Defect::ClientErrorsFailOver, CONTENT_POLICY_REFUSED),
    (Defect::ClientErrorsFailOver, &[CONTENT_POLICY_UNCOUNTED]),
    // An answer ended by its content filter is found by the soft judgement.
    (Defect::IgnoresSoftFailures, &[CONTENT_POLICY_JUDGED]),
    (Defect::FlagsEveryAnswer, &[CONTENT_POLICY_JUDGED]),
    (Defect::NoBreaker, &[SOFT_STREAM_BREAKER]),
    (Defect::NoCooldown, &[SOFT_STREAM_BREAKER]),
    (Defect::HairTrigger, &[SOFT_STREAM_BREAKER]),
    // Guardrails: each blocks, redacts or lets through what it should, and
    // only the admin token bypasses them.
    (
        Defect::NoGuardrails,
        &[
            GUARD_TOO_LONG,
            GUARD_INJECTION,
            GUARD_CARD,
            GUARD_REDACTED,
            GUARD_ANSWER_REDACTED,
            GUARD_WITHHELD,
            GUARD_TOGGLES,
        ],
    ),
    (Defect::GuessesTokens, &[GUARD_TOO_LONG]),
    (Defect::CountsCharacters, &[GUARD_WITHIN]),
    (Defect::LuhnBlind, &[GUARD_LUHN]),
    (Defect::InjectionOverreach, &[GUARD_INSTRUCTIONS]),
    (Defect::AllGuardrailsOn, &[GUARD_TOGGLES]),
    // Without the header, a wrong token is not refused either: the request is checked.
    (Defect::IgnoresBypass, &[GUARD_BYPASS, GUARD_WRONG_TOKEN]),
    (Defect::BypassForAnyone, &[GUARD_WRONG_TOKEN]),
    // Class thresholds: the one failure rate opens on tolerated rate limits,
    // names no class, and never counts a wrong answer that is only flagged.
    // The health record counts a flagged wrong answer as its breaker does.
    (Defect::OneFailureRate, &[CLASS_TOLERATED, CLASS_REACHED, CLASS_FLAGGED, CLASS_HEALTH]),
    (Defect::FlaggedSoftUncounted, &[CLASS_FLAGGED, CLASS_HEALTH]),
    (Defect::NeverFailOver, &[CLASS_TOLERATED, CLASS_REACHED]),
    (Defect::NoBreaker, &[CLASS_REACHED, CLASS_FLAGGED]),
    // Reopened at once, the primary takes the fifth request.
    (Defect::NoCooldown, &[CLASS_REACHED]),
    (Defect::HairTrigger, &[CLASS_TOLERATED, CLASS_REACHED, CLASS_FLAGGED, CLASS_HEALTH]),
    (Defect::ForgetsTransitions, &[CLASS_REACHED, CLASS_FLAGGED]),
    // Retrying a rate-limited primary sends it more than the five requests.
    (Defect::HammersProvider, &[CLASS_TOLERATED]),
    (Defect::HesitantFailover, &[CLASS_TOLERATED]),
    (Defect::IgnoresSoftFailures, &[CLASS_FLAGGED, CLASS_HEALTH]),
    // Every answer flagged degraded, none hallucinating: no opening on hallucination.
    (Defect::FlagsEveryAnswer, &[CLASS_FLAGGED, CLASS_HEALTH]),
    (Defect::FailsOverOnEveryClass, &[CLASS_FLAGGED]),
    (Defect::HealthApiLies, &[CLASS_HEALTH]),
    // Chaos experiments. Outage: the secondary must serve, the breaker must
    // skip the blocked primary and let it back after its open period.
    (Defect::NeverFailOver, &[CHAOS_OUTAGE, CHAOS_RANDOM_TEXT, CHAOS_NOT_JSON]),
    (Defect::NeverFailOver, CHAOS_LATENCY),
    (Defect::NoBreaker, &[CHAOS_OUTAGE]),
    (Defect::NoBreaker, CHAOS_LATENCY),
    (Defect::NoCooldown, &[CHAOS_OUTAGE]),
    (Defect::NoCooldown, CHAOS_LATENCY),
    // Latency: opening on one slow answer, or waiting before failing over,
    // changes what the primary receives or what the client waits.
    (Defect::HairTrigger, CHAOS_LATENCY),
    (Defect::HesitantFailover, CHAOS_LATENCY),
    // Corruption: random text is caught only by judging the answer; a body
    // that is not JSON, by reading it.
    (Defect::IgnoresSoftFailures, &[CHAOS_RANDOM_TEXT]),
    (Defect::KeepsWrongAnswers, &[CHAOS_RANDOM_TEXT]),
    (Defect::FlagsEveryAnswer, &[CHAOS_RANDOM_TEXT, CHAOS_NOT_JSON]),
    (Defect::RelaysUnreadableAnswers, &[CHAOS_NOT_JSON]),
    // Injection: each known input is blocked, and ordinary traffic still flows.
    (Defect::NoGuardrails, CHAOS_INJECTIONS),
    (Defect::KnowsOnePhrasing, CHAOS_INJECTIONS),
    (Defect::InjectionOverreach, CHAOS_INJECTIONS),
    (Defect::BareErrors, CHAOS_INJECTIONS),
    // A guardrail's refusal must say which guardrail and why.
    (Defect::BareErrors, &[GUARD_TOO_LONG, GUARD_INJECTION, GUARD_CARD, GUARD_TOGGLES, GUARD_WRONG_TOKEN]),
    // Without an admin token nothing may bypass the guardrails.
    (Defect::OpenAdmin, &[GUARD_BYPASS]),
    (
        Defect::MetricsStandStill,
        &[
            GUARD_TOO_LONG,
            GUARD_WITHIN,
            GUARD_INJECTION,
            GUARD_INSTRUCTIONS,
            GUARD_CARD,
            GUARD_REDACTED,
            GUARD_ANSWER_REDACTED,
            GUARD_WITHHELD,
            GUARD_BYPASS,
        ],
    ),
    // Sessions: kept in the store, the whole context to whichever provider
    // serves, fitted to its window, one request at a time, expiring.
    (Defect::NoSessions, SESSION_ALL),
    // Sessions need the store: the gateway refuses a config without one.
    (Defect::NoStore, SESSION_ALL),
    (Defect::FreshStoreEachStart, &[SESSION_RESTART]),
    (Defect::IgnoresContextWindows, &[SESSION_DROPPED, SESSION_OVERFLOW]),
    (Defect::DropsOneTurnTooMany, &[SESSION_DROPPED]),
    (Defect::SessionsNeverExpire, &[SESSION_EXPIRED]),
    (Defect::WaitsOnBusySession, &[SESSION_BUSY]),
    (Defect::NeverFailOver, SESSION_FAILED_OVER),
    (Defect::DropsHistoryOnFailover, SESSION_FAILED_OVER),
    // Each error must carry its code.
    (Defect::BareErrors, &[SESSION_OVERFLOW, SESSION_BUSY, SESSION_EXPIRED]),
    // Opening on the first failure, or on a provider retried until its
    // breaker opens, keeps the session on the secondary after the primary
    // recovers: no failback.
    (Defect::HairTrigger, &[SESSION_BACK_AND_FORTH]),
    (Defect::HammersProvider, &[SESSION_BACK_AND_FORTH]),
    // The end of the chain: the cached answer first, while fresh, for a
    // request whose answer may be kept; then the default answer.
    (Defect::NoFallbackTail, &[TAIL_CACHED, TAIL_DEFAULT, TAIL_VARIETY, TAIL_COUNTED]),
    (Defect::StaleCache, &[TAIL_STALE]),
    (Defect::CachesEverything, &[TAIL_VARIETY]),
    (Defect::DefaultBeforeCache, &[TAIL_CACHED, TAIL_COUNTED]),
    // Budgets: without refusals every budget scenario but the listing fails
    // (the spend is still counted); holding nothing lets a burst through;
    // free retries serve more with a failing primary; a budget that never
    // resets never refills; charging what was held, not the provider's
    // usage, spends a budget long before the providers billed it.
    (
        Defect::IgnoresBudgets,
        &[
            BUDGET_SPENT,
            BUDGET_OWN,
            BUDGET_RETRIES,
            BUDGET_USD,
            BUDGET_REFILL,
            BUDGET_COUNTED,
            BUDGET_BURST,
            BUDGET_RESTART,
        ],
    ),
    (Defect::HoldsNothing, &[BUDGET_BURST]),
    (Defect::FreeRetries, &[BUDGET_RETRIES]),
    // Its ledger keeps its first window for good: the listing, which reads
    // the current window, shows nothing spent.
    (Defect::BudgetsNeverReset, &[BUDGET_REFILL, BUDGET_LISTED]),
    // A spent budget's refusal is a 429 like any other error of the gateway.
    (Defect::BareErrors, &[BUDGET_SPENT, BUDGET_OWN, BUDGET_USD, BUDGET_REFILL, BUDGET_RESTART]),
    // Without failover the failing primary's requests get 503.
    (Defect::NeverFailOver, &[BUDGET_RETRIES]),
    (Defect::MetricsStandStill, &[BUDGET_COUNTED]),
    // Without its store, or with a new one each start, a restart hands the
    // spent budget back.
    (Defect::NoStore, &[BUDGET_RESTART]),
    (Defect::FreshStoreEachStart, &[BUDGET_RESTART]),
    (Defect::IgnoresUsage, &[BUDGET_SPENT, BUDGET_USD, BUDGET_LISTED, BUDGET_COUNTED]),
    // SLOs: never breached, every scenario that waits for a breach fails;
    // a wrong answer counted as useful keeps goodput, the soft-failure rate
    // and the cost per useful answer; the median time to first token is a
    // fast stream's; the cost per answer is half the cost per useful one;
    // judged from the first request, nine failures are a breach; a window
    // that never slides never recovers.
    (
        Defect::IgnoresSlos,
        &[SLO_AVAILABILITY, SLO_MIN_REQUESTS, SLO_GOODPUT, SLO_TTFT, SLO_COST, SLO_RECOVERY, SLO_METRICS],
    ),
    (Defect::SoftAnswersAreGood, &[SLO_GOODPUT, SLO_COST]),
    (Defect::TtftMedian, &[SLO_TTFT]),
    (Defect::CostPerAnswer, &[SLO_COST]),
    (Defect::SlosIgnoreMinRequests, &[SLO_MIN_REQUESTS]),
    (Defect::SloWindowNeverSlides, &[SLO_RECOVERY]),
    // Secrets: a gateway that shows what its providers' errors said shows
    // their keys, in a header after a failover and in its own 503.
    (Defect::RelaysProviderErrors, &[SECRET_401, SECRET_500, SECRET_EXHAUSTED]),
    // Without failover the primary's error comes back as the gateway's 503.
    (Defect::NeverFailOver, &[SECRET_401, SECRET_500]),
    (Defect::ExhaustedAs500, &[SECRET_EXHAUSTED]),
    (Defect::MetricsStandStill, &[SLO_METRICS]),
    // Answers judged wrong by every answer, or by none, move goodput and
    // the cost per useful answer off the figures stated.
    (Defect::IgnoresSoftFailures, &[SLO_GOODPUT, SLO_COST]),
    (Defect::FlagsEveryAnswer, &[SLO_GOODPUT, SLO_COST]),
    (Defect::MetricsStandStill, &[TAIL_COUNTED]),
    // The end of the chain answers once every provider was tried, once each.
    (Defect::NeverFailOver, &[TAIL_CACHED, TAIL_DEFAULT]),
    (Defect::HammersProvider, &[TAIL_CACHED, TAIL_DEFAULT]),
    (Defect::HesitantFailover, &[TAIL_CACHED, TAIL_DEFAULT]),
    // Past the cache's age limit, the client gets the exhausted 503.
    (Defect::ExhaustedAs500, &[TAIL_STALE]),
    // Continuous evaluation: a gateway that records no round marks no one
    // (and shows no rounds); one that takes a pattern for text marks a
    // provider answering right; one that waits for a window with nothing
    // passing is too slow, or never marks a provider that is only partly
    // wrong.
    (Defect::IgnoresEvaluation, &[EVAL_CLEAN, EVAL_ALL_WRONG, EVAL_ONE_WRONG, EVAL_RECOVERS]),
    (Defect::GradesPatternsAsText, &[EVAL_CLEAN, EVAL_ALL_WRONG, EVAL_ONE_WRONG, EVAL_RECOVERS]),
    (Defect::MarksOnlyWhenNothingPasses, &[EVAL_ALL_WRONG, EVAL_ONE_WRONG, EVAL_RECOVERS]),
    // The mark must reach the dashboard's stream too.
    (Defect::FrozenDashboard, &[EVAL_ALL_WRONG]),
    (Defect::BuffersStreams, &[EVAL_ALL_WRONG]),
];

/// The variants that run the `@requires-load` scenarios, which take the
/// whole machine for seconds each, in a pass of their own after every
/// variant has run the rest; no other variant runs them. Each load scenario
/// is caught by one of these.
///
/// Each runs the load scenarios its tag expression picks: the leak variants
/// only the failover storm, the one about leaks, for their leak nears the
/// open-file limit before 2,000 requests in flight are added to it.
///
/// No-shedding runs only the shedding scenario, picked by the start of its
/// name: without an admission bound of its own, the other load scenarios'
/// failover bursts land on the secondary all at once and, on a loaded
/// machine, sometimes overran it (2,709 of 21,208 requests got 503 once in a
/// clean-clone CI run), so its runs of them said nothing either way;
/// never-fail-over catches each of them.
pub const LOAD_RUNNERS: &[(Defect, &str, Option<&str>)] = &[
    (Defect::NeverFailOver, "@requires-load", None),
    (Defect::LeaksDescriptors, "@requires-load and @TC_R752_FAILOVER_012", None),
    (Defect::LeaksMemory, "@requires-load and @TC_R752_FAILOVER_012", None),
    (Defect::NoShedding, "@requires-load and @TC_R752_FAILOVER_011", Some("beyond what it takes on")),
    (Defect::IgnoresProviderBound, "@requires-load and @requires-provider-limits", None),
    (Defect::NoStallDetection, "@requires-load and @requires-stall-detection", None),
];

/// Each defect once, in the order of its first entry in [`EXPECTED`], with
/// the scenarios of all its entries.
pub fn grouped() -> Vec<(Defect, Vec<&'static str>)> {
    let mut grouped: Vec<(Defect, Vec<&'static str>)> = Vec::new();
    for &(defect, names) in EXPECTED {
        match grouped.iter_mut().find(|(d, _)| *d == defect) {
            Some((_, all)) => all.extend_from_slice(names),
            None => grouped.push((defect, names.to_vec())),
        }
    }
    grouped
}

/// Scenarios a variant may or may not fail, depending on the order in which
/// concurrent things happen, each with why: not counted against the variant
/// either way (every one is also caught by a variant that always fails it).
pub const RACY: &[(Defect, &str, &str)] = &[
    (
        Defect::ProbesNeverTimeOut,
        "TC_R752_FAILOVER_016: each outage is an episode with its class and the times that describe it, and the summary adds up",
        "seen once in a clean-clone CI run (e027d16): the third episode was recorded with no class and a detection time of 0 ms; its probes never time out, so a probe may still be out when an outage begins; not yet explained (the scenario passes against the reference gateway in every run, and never-fail-over, no-breaker, hair-trigger and no-store always fail it)",
    ),
    (
        Defect::NeverFailOver,
        "TC_R752_FAILOVER_010: a provider that comes back is found out by probes, not by clients' requests",
        "the gateway's probes meet the failing primary from the start: when they open its breaker before the client's first request arrives, every request goes to the secondary as a first choice, which a gateway that never fails over still does",
    ),
    (
        Defect::HammersProvider,
        "TC_R752_FAILOVER_012: the first request after a failover finds a warm connection to the secondary",
        "it retries the failing primary at once until its breaker opens, ten fast 503s: whether those push the first fallback answer past twice the warm median plus 50 ms depends on the machine's load",
    ),
    (
        Defect::HesitantFailover,
        "TAXONOMY_HARD_FAILURES: a silent last provider of a chain is retried, within the request's deadline (streamed chat completion)",
        "its 150 ms hesitation comes on top of each silent attempt's timeout: whether the last retry still starts inside the request's deadline depends on how late the timeouts fire on the loaded machine",
    ),
    (
        Defect::HesitantFailover,
        "MONITORING_FIRE_DRILLS: a drill scheduled by cron runs by itself",
        "its 150 ms hesitation plus the client's 20 ms pace lands just under the 200 ms take-over bound: whether the first request of the drill is taken over in time depends on when in the pace the drill begins and on the machine's load",
    ),
    (
        Defect::HesitantFailover,
        "TC_R752_FAILOVER_016: episodes survive a restart of the gateway",
        "each failed call hesitates 150 ms and tries the primary again, so when the four failures that open the breaker come, and how long the episode lasts, depends on the machine's load",
    ),
    (
        Defect::HesitantFailover,
        "TC_R752_FAILOVER_016: learning stays within its bounds, and a restarted gateway resumes with what it learned",
        "each failed call hesitates 150 ms, so when in the 400 ms outage four failures first fall in one 200 ms window, opening the breaker that starts an episode, depends on the machine's load: an episode that starts late is short, and so is the open period learned from the median episode (seen once: 48 ms)",
    ),
    (
        Defect::HesitantFailover,
        "TAXONOMY_HARD_FAILURES: a persistent rate limit without Retry-After is retried with backoff a bounded number of times (chat completion)",
        "its 150 ms hesitation replaces the first backoff, and with the second, drawn from [0, 40] ms, lands just under the 210 ms bound: whether it passes depends on the draw and the machine's load (seen once: 212 ms)",
    ),
    (
        Defect::HesitantFailover,
        "TAXONOMY_HARD_FAILURES: a persistent rate limit without Retry-After is retried with backoff a bounded number of times (streamed chat completion)",
        "its 150 ms hesitation replaces the first backoff, and with the second, drawn from [0, 40] ms, lands just under the 210 ms bound: whether it passes depends on the draw and the machine's load (seen once: 212 ms)",
    ),
    (
        Defect::DrainsOnAnyMetric,
        "TC_R752_FAILOVER_010: a provider that comes back is found out by probes, not by clients' requests",
        "whether latency noise makes one of the secondary's metrics half bad, and so drains it too, depends on the machine's load",
    ),
    (
        Defect::HesitantFailover,
        "TAXONOMY_HARD_FAILURES: a silent last provider of a chain is retried, within the request's deadline (chat completion)",
        "its 150 ms hesitation comes on top of each silent attempt's timeout: whether the last retry still starts inside the request's deadline depends on how late the timeouts fire on the loaded machine",
    ),
    (
        Defect::NeverFailOver,
        "TC_R752_FAILOVER_015: blue-green: no client request reaches the recovered primary until its probe traffic is validated, then all do",
        "the gateway's probes meet the failing primary from the start: when they open its breaker before the client's first two requests arrive, those go to the secondary as a first choice, which a gateway that never fails over still does",
    ),
    (
        Defect::DropsStreamedUsage,
        "TC_R752_FAILOVER_004: a request that must not run twice still fails over when the primary surely did not run it (a refused connection)",
        "the interposer checks once, as the gateway starts, whether the primary refuses connections, and stands aside if so; seen once under the self-test's load to stand in front of it instead, and then break the gateway's connection after the request was sent: a race of the test's interposer, not of the defect",
    ),
    (
        Defect::NoCooldown,
        "TC_R752_FAILOVER_015: a recovered primary earns its traffic back through a gradual ramp, one validated share at a time",
        "every other routing decision is told the time is an hour later, so the ramp steps it passes are logged an hour out: whether a share's requests then fall outside its bound, or a probe lands inside the open period, depends on how the alternation meets each step",
    ),
    (
        Defect::NoCooldown,
        "TC_R752_FAILOVER_015: blue-green: no client request reaches the recovered primary until its probe traffic is validated, then all do",
        "every other routing decision is told the time is an hour later, so the ramp steps it passes are logged an hour out: whether a share's requests then fall outside its bound, or a probe lands inside the open period, depends on how the alternation meets each step",
    ),
    (
        Defect::NoCooldown,
        "TC_R752_FAILOVER_015: intermittent recovery: up, down, up restarts the ramp from its first share only after a longer open period",
        "every other routing decision is told the time is an hour later, so the ramp steps it passes are logged an hour out: whether a share's requests then fall outside its bound, or a probe lands inside the open period, depends on how the alternation meets each step",
    ),
    (
        Defect::DrainsOnAnyMetric,
        "TC_R752_FAILOVER_009: several metrics each short of its threshold together move traffic",
        "whether latency noise makes one of the secondary's metrics half bad, and so drains it too, depends on the machine's load",
    ),
    (
        Defect::NoCooldown,
        "TC_R752_FAILOVER_010: a provider that comes back is found out by probes, not by clients' requests",
        "whether a client's request or the gateway's probe meets the half-open primary first decides whether it comes back in the run",
    ),
    (
        Defect::HairTrigger,
        "TC_R752_FAILOVER_010: a provider that comes back is found out by probes, not by clients' requests",
        "the first failure opens the breaker: whether a probe or a client's request meets it first is a race",
    ),
];

/// Scenarios no variant fails, each with the reason none can.
pub const UNCATCHABLE: &[(&str, &str)] = &[];

/// The scenario the tolerance factor is proven on, and how much slower than
/// the gateway the slowed variant answers: past the scenario's tolerance at
/// factor 1, within it at factor 2.
pub const TOLERANCE_PROBE: (&str, Duration) =
    ("once the breaker is open the 503 comes at once and says when to retry", Duration::from_millis(250));
