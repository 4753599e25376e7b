//! The types of the `conformance/v1` config. Defaults are production-scale; the
//! suite writes scenario configs scaled down to tens or hundreds of milliseconds.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The schema id every config carries in its `schema` field.
pub const SCHEMA: &str = "conformance/v1";

/// A whole gateway config.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GatewayConfig {
    /// Must be `conformance/v1`.
    pub schema: String,
    /// The upstream providers, each an OpenAI-compatible API.
    pub providers: Vec<ProviderConfig>,
    /// The models clients may ask for, each with its ordered provider chain.
    pub models: Vec<ModelConfig>,
    /// Timeouts, retries, circuit breaking and failback.
    #[serde(default)]
    pub policy: PolicyConfig,
    /// Limits on what clients may send.
    #[serde(default)]
    pub limits: LimitsConfig,
    /// The gateway's own probes of every provider (capability
    /// `active-probes`); absent means off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probes: Option<ProbesConfig>,
    /// Warm connections kept to every provider, so that the first request
    /// a fallback gets opens none (capability `prewarm`); absent means off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prewarm: Option<PrewarmConfig>,
    /// The operator API under `/admin/`.
    #[serde(default, skip_serializing_if = "AdminConfig::is_default")]
    pub admin: AdminConfig,
    /// What the gateway watches about itself.
    #[serde(default, skip_serializing_if = "MonitoringConfig::is_default")]
    pub monitoring: MonitoringConfig,
    /// Fire drills run on a schedule (capability `drills`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drills: Vec<DrillConfig>,
    /// The one file the gateway keeps what must outlive it in (its failover
    /// episodes: capability `analytics`); absent means nothing is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<StoreConfig>,
    /// Checks on what clients send and providers answer (capability
    /// `guardrails`), each on while its section is present.
    #[serde(default, skip_serializing_if = "GuardrailsConfig::is_default")]
    pub guardrails: GuardrailsConfig,
    /// Gateway-side sessions (capability `sessions`): a client names its
    /// session in `x-session-id` and sends only its new turn; the gateway
    /// keeps the turns in `store` and sends the whole context to whichever
    /// provider serves. Absent: `x-session-id` is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sessions: Option<SessionsConfig>,
    /// Recent successful answers kept to answer the same request again when
    /// no provider of its chain can (capability `fallback-tail`); absent
    /// means nothing is kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheConfig>,
    /// Spend budgets per client API key and model (capability `budgets`),
    /// in tokens or US dollars (by each chain entry's `price`) per window.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub budgets: Vec<SpendBudgetConfig>,
    /// Service level objectives per model (capability `slos`), each over a
    /// sliding window, shown by `GET /admin/slo`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slos: Vec<SloConfig>,
    /// Continuous evaluation (capability `continuous-eval`): golden sets
    /// sent to every provider of a model's chain on a schedule, so that a
    /// provider whose answers change is marked degraded before clients'
    /// traffic shows it; absent means off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<EvaluationConfig>,
}

/// Continuous evaluation. Every `interval_ms`, each entry of the chain of
/// each model with a golden set gets a round: every case of the set, sent
/// at once as a chat completion of its own (its prompt the only user
/// message, `temperature` 0). A case passes when the provider answers and
/// the answer's text meets the case's expectation; a case whose probe
/// failed outright (an error, a timeout) is not graded: the breaker and
/// the health score see those. An entry's pass rate is the share of the
/// cases graded in its latest `window` rounds that passed. After each
/// round an entry is marked degraded while that rate is below its set's
/// `min_pass_rate`, and no longer once it is not: an entry whose every
/// answer turns wrong is marked within
/// `floor(window × (1 − min_pass_rate)) + 1` rounds. The mark changes no
/// routing: it is shown in `GET /admin/providers` with the failing cases as
/// evidence, on the dashboard, and logged as an `evaluation` event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluationConfig {
    /// Time between the starts of two rounds of one entry.
    pub interval_ms: u64,
    /// The rounds an entry's pass rate is computed over, at least 1.
    #[serde(default = "eval_window")]
    pub window: u32,
    /// One golden set per model.
    pub sets: Vec<GoldenSet>,
}

fn eval_window() -> u32 {
    10
}

/// The golden set of one model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GoldenSet {
    /// A model name from `models`: every entry of its chains (`backend_map`
    /// and `content_policy_chain`) is evaluated.
    pub model: String,
    /// The pass rate below which an entry is marked degraded, in (0, 1].
    #[serde(default = "eval_min_pass_rate")]
    pub min_pass_rate: f64,
    /// The cases, at least one.
    pub cases: Vec<GoldenCase>,
}

fn eval_min_pass_rate() -> f64 {
    0.8
}

/// One prompt and what its answer must be.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GoldenCase {
    /// Unique within its set: how the evidence names the case.
    pub name: String,
    /// The text of the case's only (user) message.
    pub prompt: String,
    /// What the answer's text (`choices[0].message.content`) must be.
    pub expect: Expectation,
}

/// What a golden answer must be.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Expectation {
    /// Exactly this text, once whitespace at either end is trimmed.
    Exact(String),
    /// Text this regular expression (Rust `regex` syntax) finds a match in;
    /// anchor it (`^…$`) to match the whole text.
    Pattern(String),
    /// JSON text that this JSON Schema accepts.
    Schema(serde_json::Value),
}

/// Service level objectives for one model over one sliding window; a model
/// may have several (a short window and a long one). Set at least one
/// objective.
///
/// A request counts unless it is not the service's doing: the client's own
/// error relayed from a provider (4xx), a spent spend budget, a client gone
/// before the end, a request refused before any provider (a guardrail, a
/// bad request). Availability is the share answered (by a provider, the
/// cache or the default answer); goodput the share answered usefully (by a
/// provider with no soft failure found, or by the cache). Time to first
/// token is a stream's time from the request reaching the gateway to its
/// first event leaving it. The soft-failure rate is the share of providers'
/// answers relayed to clients with a soft failure found (needs
/// `policy.soft_failures`). The cost per useful answer is what providers
/// billed in the window (each answer's `usage` at its chain entry's `price`;
/// answers failed over for being wrong included; a stream without a usage
/// chunk counts nothing) over the useful answers in it.
///
/// Each objective's error budget is what its target allows to go wrong:
/// `1 - target` of requests for availability and goodput, 5 % of streams
/// for the p95, the target itself for the soft-failure rate and the cost.
/// Its burn rate is how fast the window spends it (1: exactly the budget).
/// An objective is breached while its burn rate is above 1 and the window
/// holds at least `min_requests` of what it counts (requests; streams for
/// the p95; answers for the soft-failure rate): an `slo_breach` event, and
/// an `slo_recovered` one when it is no longer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SloConfig {
    /// Unique name, in `/admin/slo`, events and metrics.
    pub id: String,
    /// A model name of `models`.
    pub model: String,
    /// The sliding window it is judged over.
    pub window_ms: u64,
    /// What the window must hold before an objective can be breached.
    #[serde(default = "slo_min_requests")]
    pub min_requests: u32,
    /// Lowest share of requests answered, in (0, 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<f64>,
    /// Lowest share of requests answered usefully, in (0, 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goodput: Option<f64>,
    /// Longest 95th-percentile time to first token of streams, in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttft_p95_ms: Option<u64>,
    /// Highest share of answers with a soft failure found, in (0, 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soft_failure_rate: Option<f64>,
    /// Highest cost per useful answer, in US dollars; every chain entry of
    /// the model needs a `price`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_per_useful_answer_usd: Option<f64>,
}

fn slo_min_requests() -> u32 {
    20
}

/// A spend budget: what one client API key (or every client together) may
/// spend on one model (or on every model) in a window.
///
/// Before each attempt (a retry or a failover included) the gateway holds
/// what it may cost: its prompt's tokens, counted with `o200k_base`, and its
/// answer's limit (`max_completion_tokens` or `max_tokens`, else
/// `answer_reserve_tokens`). The attempt is sent only while what is spent and
/// held is below the limit, so that the spend exceeds the limit by at most
/// the attempt admitted last, as long as answers stay within what was held.
/// When the attempt ends it is charged the provider's `usage`; an answer
/// without one, what was held; a failed attempt, its prompt; one that never
/// reached the provider (a refused connection), nothing. A streamed answer
/// is charged what was held for it.
///
/// A request that finds a budget spent gets 429 `budget_exceeded` naming the
/// budget, what it counts and when it resets (`Retry-After`,
/// `x-failover-budget`, `x-failover-budget-reset-ms`), and reaches no
/// provider. Windows are aligned to the Unix epoch: a budget resets at the
/// next multiple of `window_ms`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpendBudgetConfig {
    /// Unique name, in errors, events, metrics and `/admin/budgets`.
    pub id: String,
    /// The client API key it applies to (the client's
    /// `Authorization: Bearer <key>`); absent, with `api_key_env` absent
    /// too: every client's requests together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// The name of an environment variable holding the key, instead of
    /// writing it in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_env: Option<String>,
    /// A model name of `models`; absent: every model together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The limit in tokens (request and answer alike); give this or `usd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<u64>,
    /// The limit in US dollars, by the `price` of the chain entry each
    /// attempt went to; every entry of the models it covers needs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usd: Option<f64>,
    /// The window the limit is for.
    pub window_ms: u64,
    /// Tokens held for the answer of a request that sets no limit of its own.
    #[serde(default = "answer_reserve")]
    pub answer_reserve_tokens: u64,
}

fn answer_reserve() -> u64 {
    1_024
}

/// What a provider charges for a chain entry's model, in US dollars per
/// million tokens.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceConfig {
    /// Per million tokens of the request.
    pub input_usd_per_mtok: f64,
    /// Per million tokens of the answer.
    pub output_usd_per_mtok: f64,
}

/// An exact-match cache of recent successful answers, the end of every
/// fallback chain: a non-streamed chat completion no provider served gets
/// the answer kept for the same request (the same body, `stream` and
/// `stream_options` aside, for the same model), marked
/// `x-failover-fallback: cache` with its age in `x-failover-cache-age-ms`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CacheConfig {
    /// The most answers kept; the least recently used go first.
    #[serde(default = "thousand")]
    pub max_entries: u64,
    /// The oldest answer given back.
    #[serde(default = "five_minutes_ms")]
    pub max_age_ms: u64,
    /// The highest `temperature` of a request whose answer is kept (a
    /// request without one is kept): above it, the client asked for variety.
    #[serde(default)]
    pub max_temperature: f64,
}

fn thousand() -> u64 {
    1_000
}

fn five_minutes_ms() -> u64 {
    300_000
}

/// Gateway-side sessions. Needs `store`: a session outlives the gateway.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionsConfig {
    /// A session unused for longer than this has expired: its turns are
    /// gone and its id is answered 410 `session_expired` until
    /// `expired_kept_ms` later.
    pub idle_timeout_ms: u64,
    /// How long an expired session's id is remembered as expired, so that
    /// a client is told rather than silently starting again empty.
    #[serde(default = "day_ms")]
    pub expired_kept_ms: u64,
    /// What a context larger than a chain entry's `context_window` gets:
    /// `drop_oldest` (the default) sends the system prompt, the newest turns
    /// that fit and always the last one, and says how many turns it left out
    /// in `x-failover-session-dropped-turns`; `error` never drops anything,
    /// and the entry is passed over as if it had answered a context overflow.
    #[serde(default)]
    pub context: ContextPolicyConfig,
    /// A second request on a session that is still answering one: `reject`
    /// (the default) answers it 409 `session_busy`; `wait` serialises it
    /// behind the first, within the request's timeout.
    #[serde(default)]
    pub concurrent: ConcurrentConfig,
    /// The tokenizer the context is counted with against `context_window`:
    /// `o200k_base` (the default) or `cl100k_base`.
    #[serde(default = "o200k")]
    pub encoding: String,
}

/// See [`SessionsConfig::context`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContextPolicyConfig {
    /// Drop the oldest turns.
    #[default]
    DropOldest,
    /// Refuse what does not fit.
    Error,
}

/// See [`SessionsConfig::concurrent`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConcurrentConfig {
    /// 409 `session_busy`.
    #[default]
    Reject,
    /// One after the other.
    Wait,
}

fn day_ms() -> u64 {
    86_400_000
}

/// The guardrails, each on while its section is present and off when it is
/// absent. Input guardrails run before any provider is called, in this
/// order: `prompt_length`, `prompt_injection`, `pii`; a request one blocks
/// gets a 400 with code `guardrail_blocked`, its guardrail in
/// `x-failover-guardrail`, and reaches no provider. The operator's own
/// `system` and `developer` messages are counted for length but not checked
/// for injections or personal data. A request carrying the admin token in
/// `x-failover-guardrail-bypass` skips every guardrail, for debugging.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct GuardrailsConfig {
    /// The longest prompt, in tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_length: Option<PromptLengthConfig>,
    /// Known prompt-injection phrasings (built in) and the operator's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_injection: Option<PromptInjectionConfig>,
    /// Personal data in requests: blocked, or redacted before any provider
    /// sees it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pii: Option<PiiGuardConfig>,
    /// Personal data in non-streamed chat answers: redacted, or the answer
    /// withheld (502, code `guardrail_blocked`). A stream reaches the client
    /// as it arrives and is not checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_pii: Option<PiiGuardConfig>,
}

impl GuardrailsConfig {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// The prompt-length guardrail: a request whose messages' text (or
/// embeddings input) comes to more than `max_tokens` tokens is blocked.
/// Tokens are those of `encoding`, counted over each text as it is, without
/// the few tokens of per-message overhead a provider adds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PromptLengthConfig {
    /// The most tokens allowed.
    pub max_tokens: u64,
    /// The tokenizer: `o200k_base` (GPT-4o and later, the default) or
    /// `cl100k_base` (GPT-4, GPT-3.5).
    #[serde(default = "o200k")]
    pub encoding: String,
}

fn o200k() -> String {
    "o200k_base".into()
}

/// The encodings the prompt-length guardrail counts with.
pub const ENCODINGS: [&str; 2] = ["o200k_base", "cl100k_base"];

/// The prompt-injection guardrail: a client text matching one of the
/// built-in patterns (instructions to ignore or reveal the operator's
/// instructions, to take another role, chat-template tokens) or of
/// `patterns` is blocked.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PromptInjectionConfig {
    /// Further regular expressions, named `patterns[i]` when they match.
    pub patterns: Vec<String>,
}

/// A personal-data guardrail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PiiGuardConfig {
    /// What to do with what it finds.
    pub action: PiiAction,
    /// What to look for: `email`, `phone` (international or North American
    /// form), `card` (13 to 19 digits passing the Luhn check). All three
    /// when absent.
    #[serde(default = "all_pii")]
    pub kinds: Vec<PiiKind>,
}

fn all_pii() -> Vec<PiiKind> {
    vec![PiiKind::Email, PiiKind::Phone, PiiKind::Card]
}

/// What a personal-data guardrail does with what it finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PiiAction {
    /// Refuse the request, or withhold the answer.
    Block,
    /// Replace each finding by `[EMAIL]`, `[PHONE]` or `[CARD]`.
    Redact,
}

/// A kind of personal data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    /// An e-mail address.
    Email,
    /// A phone number.
    Phone,
    /// A payment card number.
    Card,
}

/// Warm connections: every `interval_ms`, the gateway sends each provider
/// `connections` concurrent `GET {base_url}/v1/models` (a free call every
/// OpenAI-compatible API serves) through its connection pool, so that that
/// many idle connections stay open to it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PrewarmConfig {
    /// Time between two rounds.
    pub interval_ms: u64,
    /// Idle connections kept per provider (per worker, for a gateway with
    /// several connection pools).
    pub connections: u32,
}

impl Default for PrewarmConfig {
    fn default() -> Self {
        Self { interval_ms: 10_000, connections: 1 }
    }
}

/// The gateway's embedded store: one file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// Path of the file.
    pub path: String,
    /// Whether a missing file may be created. False (the default): a missing
    /// file is an error, so that a moved or deleted store is never replaced
    /// by an empty one unnoticed; set it for the first start only.
    #[serde(default)]
    pub create: bool,
}

/// A fire drill run on a schedule: `provider` fails `share` of its
/// attempts with `class` for `duration_ms`, each time `schedule` fires.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DrillConfig {
    /// The provider drilled (every chain entry naming it).
    pub provider: String,
    /// The failure drilled: `server_error`, `rate_limited`, `connection_failed` or `timeout`.
    pub class: String,
    /// Share of its attempts that fail, in (0, 1].
    #[serde(default = "all")]
    pub share: f64,
    /// How long each drill lasts.
    pub duration_ms: u64,
    /// When drills start: a cron expression with seconds
    /// (`sec min hour day-of-month month day-of-week`, UTC), e.g. `0 0 3 * * Mon`.
    pub schedule: String,
}

fn all() -> f64 {
    1.0
}

/// The failure classes a drill may use.
pub const DRILL_CLASSES: [&str; 4] = ["server_error", "rate_limited", "connection_failed", "timeout"];

/// What the gateway watches about itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct MonitoringConfig {
    /// The fallback activation rate per model (capability `fallback-rate`);
    /// absent means not watched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_rate: Option<FallbackRateConfig>,
}

impl MonitoringConfig {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// The fallback activation rate: the share of a model's requests, over a
/// sliding window, not served by the first provider of its chain. Below
/// `warning` it reads healthy, from `warning` to `alert` warning, above
/// `alert` alert; each change of level is logged.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct FallbackRateConfig {
    /// The sliding window.
    pub window_ms: u64,
    /// The share at which the rate reads `warning`, in (0, 1].
    pub warning: f64,
    /// The share above which it reads `alert`, in [`warning`, 1].
    pub alert: f64,
    /// Requests the window must hold before the rate reads anything but healthy.
    pub min_requests: u32,
}

impl Default for FallbackRateConfig {
    fn default() -> Self {
        Self { window_ms: 300_000, warning: 0.01, alert: 0.05, min_requests: 100 }
    }
}

/// Active probes: every `interval_ms` the gateway sends each entry of each
/// model's chain a cheap chat completion of its own, so that a provider with
/// no traffic still has a current health, and a provider that comes back is
/// found out by a probe instead of by a client's request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbesConfig {
    /// Time between two probes of the same chain entry.
    pub interval_ms: u64,
    /// The text of the probe's only (user) message, sent unchanged with
    /// `max_tokens: 1`: how a provider's logs, or the suite, tell a probe from
    /// a client's request.
    pub prompt: String,
}

/// The operator API under `/admin/`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AdminConfig {
    /// The bearer token every `/admin/` request must carry
    /// (`Authorization: Bearer <token>`); absent means the API is open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The name of an environment variable holding the token, instead of
    /// writing it in the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_env: Option<String>,
}

impl AdminConfig {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// One upstream provider.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// Unique id, used in chains, events and reports.
    pub id: String,
    /// Base URL without the `/v1` suffix, e.g. `http://127.0.0.1:9001`.
    pub base_url: String,
    /// Sent upstream as `Authorization: Bearer <api_key>`.
    pub api_key: String,
    /// Where the provider runs (e.g. `us-east`). With
    /// `policy.region_outage`, providers of one region failing close together
    /// take the whole region out of rotation (capability `regions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Requests sent to this provider at once, at most (capability
    /// `provider-limits`); absent means no bound. An attempt that would
    /// exceed it is not sent: the provider is passed over, unjudged, for the
    /// next one of the chain; when every provider is passed over or out of
    /// rotation, the client gets 503 `gateway_overloaded` with `Retry-After`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_in_flight: Option<u32>,
}

/// A model name clients use and the providers that serve it, in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// The name in the client's `model` field.
    pub name: String,
    /// The ordered provider chain: the first entry is the primary.
    pub backend_map: Vec<ChainEntry>,
    /// Whether requests for this model may be sent twice. When false (or when a
    /// request carries `"store": true`), a request whose outcome at a provider is
    /// unknown (timed out or broken after it was sent) is neither retried nor
    /// failed over.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub idempotent: bool,
    /// The content-policy chain (capability `content-policy-fallback`): the
    /// providers that take a request a provider's content policy refused (a
    /// 400 whose error code is `content_policy_violation` or
    /// `content_filter`; with `policy.soft_failures`, also an answer that
    /// ended with `finish_reason: content_filter`). After a refusal, the
    /// request goes to these, in order, and to no entry of `backend_map`;
    /// when none serves, the last refusal reaches the client unchanged.
    /// Refusals count against no breaker. Empty: a refusal reaches the client
    /// unchanged, after one attempt. Entries take no `priority`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub content_policy_chain: Vec<ChainEntry>,
    /// The answer a non-streamed chat completion gets when no provider of
    /// the chain served it and no cached answer is fresh (capability
    /// `fallback-tail`): its `message.content`, in a chat completion marked
    /// `x-failover-fallback: default`. Absent: the client gets the 503.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_answer: Option<String>,
}

fn yes() -> bool {
    true
}

fn is_true(v: &bool) -> bool {
    *v
}

/// One step of a model's provider chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChainEntry {
    /// A provider id from `providers`.
    pub provider: String,
    /// The model name to send to this provider; absent means the client's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The largest context, in tokens, this entry's model takes. When a
    /// provider answers that a request overflows its context, the request
    /// skips the later entries whose window is known and no larger than the
    /// one that overflowed: they would overflow too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_window: Option<u64>,
    /// The entry's priority level: lower levels are tried first; among
    /// entries of one level, with `policy.latency_routing`, the fastest
    /// observed leads (capability `regions`). Give every entry of a chain a
    /// priority, or none (then the chain's order is the priority).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u32>,
    /// What this entry's provider charges for its model: what money
    /// budgets count (capability `budgets`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<PriceConfig>,
    /// The model version this entry's provider must serve, as its answers
    /// name it (their `model` field), e.g. `gpt-4o-2024-08-06`. An answer
    /// naming another model is a soft failure of class `model_substitution`
    /// (capability `model-substitution`; needs `policy.soft_failures`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_version: Option<String>,
}

/// The resilience policy, shared by every model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyConfig {
    /// Deadline for a whole client request, across every attempt and provider.
    pub request_timeout_ms: u64,
    /// Limit for one upstream attempt, until its whole response has arrived.
    pub attempt_timeout_ms: u64,
    /// Retries on the same provider.
    pub retry: RetryConfig,
    /// The circuit breaker kept per (model, provider).
    pub breaker: BreakerConfig,
    /// How traffic returns to a recovered provider.
    pub failback: FailbackConfig,
    /// Limits specific to `stream: true` requests.
    pub streaming: StreamingConfig,
    /// Replays for requests carrying an `Idempotency-Key` header.
    pub idempotency: IdempotencyConfig,
    /// Seed for the gateway's random draws (backoff jitter, the failback
    /// ramp), so that a run can be repeated decision for decision; absent means
    /// a fresh seed from entropy. A gateway without random draws ignores it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub random_seed: Option<u64>,
    /// Draining a provider on its health score, before its failures reach
    /// clients (capability `health-scoring`); absent means off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<HealthConfig>,
    /// Breaker settings the gateway may adjust from its recorded failover
    /// episodes, each within its bounds (capability `learning`; needs
    /// `store`); absent means the settings never change by themselves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub learning: Option<LearningConfig>,
    /// Among chain entries of equal `priority`, prefer the lowest observed
    /// latency (capability `regions`); absent means the chain's order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_routing: Option<LatencyRoutingConfig>,
    /// Take a whole region out of rotation when several of its providers
    /// fail close together (capability `regions`); absent means off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region_outage: Option<RegionOutageConfig>,
    /// Tell a provider that has stopped answering from a slow one, and stop
    /// waiting on it (capability `stall-detection`); absent means off: each
    /// attempt waits out its timeout.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stall: Option<StallConfig>,
    /// Judge every successful, non-streaming chat answer for the failures
    /// that arrive as a 200 (capability `soft-failures`): refusals, JSON
    /// that is not the JSON asked for, answers breaking the rules set here,
    /// degraded answers and ungrounded citations. A flagged answer still
    /// reaches the client, with its class in `x-failover-soft-failure`, a
    /// `soft_failure` event and `failover_soft_failures_total`. Absent
    /// means answers are not judged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub soft_failures: Option<SoftFailuresConfig>,
}

/// How answers that arrive as a success are judged. The classes are
/// checked in this order and the first that applies is reported: refusal,
/// format violation, instruction drift, quality degradation, hallucination.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SoftFailuresConfig {
    /// Phrases that, opening an answer (case aside), make it a refusal; a
    /// `refusal` field or `finish_reason: content_filter` always does.
    pub refusal_phrases: Vec<String>,
    /// Regular expressions every answer must match, or it drifted from its
    /// instructions.
    pub required: Vec<String>,
    /// Regular expressions no answer may match.
    pub forbidden: Vec<String>,
    /// Longest answer allowed, in characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_chars: Option<u64>,
    /// A regular expression for the document ids an answer cites, such as
    /// `\[doc-\d+\]`: each id an answer cites must appear in the request's
    /// messages, or the answer is a hallucination. While this or
    /// `quote_words` is set, cited URLs are checked the same way; with
    /// both absent no citation is checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub citation_ids: Option<String>,
    /// A double-quoted span of at least this many words in an answer must
    /// appear in the request's messages; absent leaves quotations alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote_words: Option<u32>,
    /// An answer with fewer visible characters is empty (degraded).
    pub min_chars: u32,
    /// Words per n-gram when measuring repetition.
    pub ngram: u32,
    /// Share of an answer's n-grams repeating an earlier one above which it
    /// is repetitive (degraded), in (0, 1].
    pub max_repeated: f64,
    /// Answers with fewer n-grams are too short to judge repetitive.
    pub min_ngrams: u32,
    /// Measures each complete stream's generation rate against its
    /// provider's usual rate (capability `token-rate`): a stream far slower
    /// than usual is degraded. Absent, rates are not measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_rate: Option<TokenRateConfig>,
    /// A provider asked to score each whole chat answer that passed every
    /// other check for claims the request's messages do not support
    /// (capability `soft-judge`): an answer scored below `min_score` is a
    /// hallucination. Absent, no judge is asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub judge: Option<JudgeConfig>,
    /// The classes acted on (capability `soft-failover`): a non-streamed
    /// answer of one of these counts against its provider's breaker as a
    /// failed attempt (`soft_failure`), and the request moves on to the next
    /// provider. When no provider gives a better answer, the last flagged
    /// answer is relayed, flagged. A streamed answer of one of these
    /// (capability `soft-failures-streaming`) cannot be taken back: it is
    /// flagged at its end and counted by the breaker. Classes not listed are
    /// only flagged.
    pub fail_over_on: Vec<SoftFailureClass>,
}

/// How a stream's generation rate is judged. The rate is the content
/// chunks after the first over the time from the first to the last, as the
/// gateway received them: time to the first token is latency, not rate.
/// OpenAI-compatible providers send one token per chunk; one that sends
/// more is measured against its own usual rate in the same unit, so the
/// share holds either way.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TokenRateConfig {
    /// Measured streams whose mean rate is the provider's usual rate, per
    /// (model, provider); learned once, from the first streams, and kept.
    pub baseline_streams: u32,
    /// A stream whose rate is below this share of its provider's usual rate
    /// is degraded, in (0, 1).
    pub min_share: f64,
    /// Streams with fewer content chunks are not measured (at least 2).
    pub min_tokens: u32,
}

impl Default for TokenRateConfig {
    fn default() -> Self {
        Self { baseline_streams: 5, min_share: 0.1, min_tokens: 8 }
    }
}

/// The judge provider (`policy.soft_failures.judge`). It is sent a chat
/// completion whose system message asks for one number from 0 (made up) to
/// 1 (every claim supported by the context), and whose user message holds
/// the request's message texts and the answer; the first word of its reply
/// that is such a number is the score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JudgeConfig {
    /// The provider asked: an id in `providers`.
    pub provider: String,
    /// The model name sent to it.
    pub model: String,
    /// Answers scored below this, in (0, 1], are hallucinations.
    #[serde(default = "half")]
    pub min_score: f64,
    /// How long to wait for the score. An answer not scored in time, or
    /// whose judge answers an error or no number, goes through unjudged,
    /// and `failover_soft_judge_failures_total` counts it.
    #[serde(default = "two_seconds")]
    pub timeout_ms: u64,
}

fn half() -> f64 {
    0.5
}

fn two_seconds() -> u64 {
    2_000
}

/// A class of soft failure, as named in events, headers and metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SoftFailureClass {
    /// The provider declined to answer.
    Refusal,
    /// The request asked for JSON and the answer is not that JSON.
    FormatViolation,
    /// The answer breaks a rule configured for the route.
    InstructionDrift,
    /// Empty, repetitive, cut short, or streamed far slower than usual.
    QualityDegradation,
    /// Citations that appear nowhere in the request.
    Hallucination,
    /// An answer naming another model than its chain entry's `model_version`.
    ModelSubstitution,
}

impl Default for SoftFailuresConfig {
    fn default() -> Self {
        Self {
            refusal_phrases: Vec::new(),
            required: Vec::new(),
            forbidden: Vec::new(),
            max_chars: None,
            citation_ids: None,
            quote_words: None,
            min_chars: 1,
            ngram: 3,
            max_repeated: 0.5,
            min_ngrams: 10,
            token_rate: None,
            judge: None,
            fail_over_on: Vec::new(),
        }
    }
}

/// When a provider counts as stalled: `attempts` of its attempts have each
/// waited `after_ms` without an answer, and it has answered nothing for
/// `after_ms`. Its breakers open (reason `stalled`), the waiting attempts
/// are abandoned and fail over as timed-out ones would, and until it answers
/// again every attempt that waits `after_ms` on it is abandoned as well. An
/// attempt whose request has no other provider in rotation left to try is
/// never abandoned and does not count.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct StallConfig {
    /// How long an attempt waits for the provider's answer (its headers, for
    /// a stream) before it counts as overdue; above the provider's slowest
    /// normal answer, below `attempt_timeout_ms`.
    pub after_ms: u64,
    /// Overdue attempts at once that make a stall (≥ 1).
    pub attempts: u32,
}

impl Default for StallConfig {
    fn default() -> Self {
        Self { after_ms: 5_000, attempts: 5 }
    }
}

/// How observed latencies order the entries of one priority level.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct LatencyRoutingConfig {
    /// Weight of the newest answer in an entry's moving average, in (0, 1].
    pub weight: f64,
    /// Hysteresis: how much faster than the leading entry, as a share of its
    /// average, another must be to take its place, in [0, 1).
    pub margin: f64,
    /// Answers an entry needs before its average counts; unmeasured entries
    /// are tried first, and the average starts from the fastest of these.
    pub min_samples: u32,
}

impl Default for LatencyRoutingConfig {
    fn default() -> Self {
        Self { weight: 0.2, margin: 0.2, min_samples: 5 }
    }
}

/// When a region counts as down as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RegionOutageConfig {
    /// Distinct providers of one region failing that make it suspect (≥ 2):
    /// every breaker of the region opens, and each provider comes back
    /// through its own probes.
    pub suspect_after: u32,
    /// How close together, in time, their failures must be.
    pub within_ms: u64,
}

impl Default for RegionOutageConfig {
    fn default() -> Self {
        Self { suspect_after: 2, within_ms: 10_000 }
    }
}

/// Which breaker settings learning may change, and within what bounds; a
/// setting left out is never changed. The configured value must lie within
/// its bounds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct LearningConfig {
    /// Bounds of `policy.breaker.min_calls`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_calls: Option<Bounds>,
    /// Bounds of `policy.breaker.open_ms`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_ms: Option<Bounds>,
    /// Bounds of `policy.breaker.half_open_probes`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub half_open_probes: Option<Bounds>,
}

/// A closed range, `min` <= `max`, both at least 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bounds {
    /// Lowest value.
    pub min: u64,
    /// Highest value.
    pub max: u64,
}

/// The health score kept per (model, provider), from several metrics over a
/// sliding window; when it reaches `drain_score` the provider is drained (its
/// breaker opens with reason `health_score`). Each metric's badness is 0 when
/// healthy and reaches 1 at its threshold; the score is their weighted mean.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct HealthConfig {
    /// Sliding window of attempts the metrics are computed over.
    pub window_ms: u64,
    /// Attempts the window must hold before a provider may be drained (at least 2).
    pub min_samples: u32,
    /// Successful attempts whose mean latency is the provider's baseline.
    pub baseline_samples: u32,
    /// Score at which the provider is drained, in (0, 1].
    pub drain_score: f64,
    /// Score at which a `health_warning` event warns that the provider is
    /// degrading (capability `health-warnings`), in (0, `drain_score`].
    pub warn_score: f64,
    /// How far ahead the latency and error trends look.
    pub trend_horizon_ms: u64,
    /// How much each metric counts.
    pub weights: HealthWeights,
    /// Where each metric's badness reaches 1.
    pub thresholds: HealthThresholds,
    /// How much a failure of each class counts in the error rate.
    pub class_weights: HealthClassWeights,
}

impl Default for HealthConfig {
    fn default() -> Self {
        Self {
            window_ms: 10_000,
            min_samples: 10,
            baseline_samples: 10,
            drain_score: 0.4,
            warn_score: 0.25,
            trend_horizon_ms: 5_000,
            weights: HealthWeights::default(),
            thresholds: HealthThresholds::default(),
            class_weights: HealthClassWeights::default(),
        }
    }
}

/// Weights of the health metrics (non-negative, not all zero).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct HealthWeights {
    /// Failed share of the window.
    pub error_rate: f64,
    /// Latency (EWMA) against the provider's baseline.
    pub latency: f64,
    /// p95 latency against the baseline.
    pub p95: f64,
    /// How soon the latency trend reaches the attempt timeout.
    pub latency_trend: f64,
    /// How fast the failed share grows.
    pub error_trend: f64,
    /// Share of the provider's rate limit used (`x-ratelimit-*` headers).
    pub headroom: f64,
}

impl Default for HealthWeights {
    fn default() -> Self {
        Self { error_rate: 0.3, latency: 0.15, p95: 0.1, latency_trend: 0.3, error_trend: 0.05, headroom: 0.1 }
    }
}

/// Where each health metric's badness reaches 1.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct HealthThresholds {
    /// Failed share, in (0, 1].
    pub error_rate: f64,
    /// Latency EWMA over baseline, above 1.
    pub latency_ratio: f64,
    /// p95 latency over baseline, above 1.
    pub p95_ratio: f64,
    /// Share of the rate limit used, in (0.5, 1].
    pub headroom: f64,
}

impl Default for HealthThresholds {
    fn default() -> Self {
        Self { error_rate: 0.25, latency_ratio: 2.0, p95_ratio: 3.0, headroom: 0.9 }
    }
}

/// How much a failure of each class counts in the health error rate, each in
/// [0, 1]: a rate limit is the provider protecting itself (and its headroom
/// says so), not failing the way a server error is.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct HealthClassWeights {
    /// `rate_limited`.
    pub rate_limited: f64,
    /// `timeout`.
    pub timeout: f64,
    /// `server_error`.
    pub server_error: f64,
    /// `connection_failed`.
    pub connection_failed: f64,
    /// Every other failing class.
    pub other: f64,
}

impl Default for HealthClassWeights {
    fn default() -> Self {
        Self { rate_limited: 0.5, timeout: 1.0, server_error: 1.0, connection_failed: 1.0, other: 1.0 }
    }
}

impl Default for PolicyConfig {
    fn default() -> Self {
        Self {
            request_timeout_ms: 30_000,
            attempt_timeout_ms: 10_000,
            retry: RetryConfig::default(),
            breaker: BreakerConfig::default(),
            failback: FailbackConfig::default(),
            streaming: StreamingConfig::default(),
            idempotency: IdempotencyConfig::default(),
            random_seed: None,
            health: None,
            learning: None,
            latency_routing: None,
            region_outage: None,
            stall: None,
            soft_failures: None,
        }
    }
}

/// Limits on streamed answers. Until its first event reaches the gateway, a
/// stream can still fail over; after that, a failure ends the client's stream
/// with an error event.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct StreamingConfig {
    /// Longest wait for a stream's first event; absent means `attempt_timeout_ms`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_byte_timeout_ms: Option<u64>,
    /// Longest silence between two events of a stream.
    pub idle_timeout_ms: u64,
}

impl Default for StreamingConfig {
    fn default() -> Self {
        Self { first_byte_timeout_ms: None, idle_timeout_ms: 30_000 }
    }
}

/// How long and how many answers to keep for `Idempotency-Key` replays.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct IdempotencyConfig {
    /// How long a key's answer is replayed.
    pub window_ms: u64,
    /// Most keys kept; the oldest are forgotten first.
    pub capacity: u32,
}

impl Default for IdempotencyConfig {
    fn default() -> Self {
        Self { window_ms: 24 * 3_600_000, capacity: 100_000 }
    }
}

/// Retries on the same provider: exponential backoff with full jitter.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RetryConfig {
    /// Attempts per provider per request, the first included (1 = no retry).
    pub max_attempts: u32,
    /// Backoff before the n-th retry is drawn from [0, min(cap, base * 2^(n-1))].
    pub backoff_base_ms: u64,
    /// Upper bound of any backoff.
    pub backoff_cap_ms: u64,
    /// The longest `Retry-After` the gateway waits for; a provider asking for
    /// more is not retried within the request and the request moves on.
    pub retry_after_cap_ms: u64,
    /// A budget bounding retries across all requests; absent means none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<RetryBudgetConfig>,
}

/// A retry budget, as a token bucket: each request adds `ratio` of a token, time
/// adds `min_per_sec` tokens a second, the bucket holds at most `capacity`, and
/// each retry on the same provider takes a whole token (without one, the request
/// moves on instead of retrying).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryBudgetConfig {
    /// Tokens each request adds (0.2 = a retry per five requests), in [0, 10].
    pub ratio: f64,
    /// Tokens time adds per second.
    pub min_per_sec: u32,
    /// Most tokens the bucket holds; it starts full.
    pub capacity: u32,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self { max_attempts: 2, backoff_base_ms: 100, backoff_cap_ms: 2_000, retry_after_cap_ms: 5_000, budget: None }
    }
}

/// The circuit breaker kept per (model, provider).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct BreakerConfig {
    /// Length of the sliding window of call outcomes.
    pub window_ms: u64,
    /// Calls the window must hold before the breaker may open.
    pub min_calls: u32,
    /// Failure rate (0 < rate <= 1) at which the breaker opens; reaching it counts.
    pub failure_rate: f64,
    /// How long the breaker stays open the first time.
    pub open_ms: u64,
    /// Cap of the open period, which grows by `open_ms` with each consecutive open.
    pub open_max_ms: u64,
    /// Probes admitted while half-open; all must succeed to close.
    pub half_open_probes: u32,
    /// Longest wait for the probes; absent means `attempt_timeout_ms`. A probe
    /// still running then counts as failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probe_timeout_ms: Option<u64>,
    /// Each such period spent closed forgives one consecutive open; absent means
    /// `open_max_ms`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_backoff_reset_ms: Option<u64>,
    /// Failure classes judged against opening rates of their own (capability
    /// `class-thresholds`).
    #[serde(skip_serializing_if = "ClassThresholds::is_empty")]
    pub class_thresholds: ClassThresholds,
}

/// Opening rates of their own for chosen failure classes, each a fraction in
/// (0, 1] of the calls in the breaker's window (with at least `min_calls`),
/// reaching it counts: e.g. tolerate rate limits up to 0.05, open at 0.02
/// hallucinations. A class given one is judged against it alone and no longer
/// adds to `failure_rate`; the classes not given one do. A soft class given
/// one counts in the window whether or not it is in
/// `soft_failures.fail_over_on`, so a provider can be taken out of rotation
/// for wrong answers that are only flagged. The classes that never count
/// against a provider (a client's error, a context overflow, a content-policy
/// refusal) cannot be given one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ClassThresholds {
    /// `rate_limited` (429).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limited: Option<f64>,
    /// `timeout`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<f64>,
    /// `server_error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_error: Option<f64>,
    /// `connection_failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_failed: Option<f64>,
    /// `auth_error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_error: Option<f64>,
    /// `unexpected_status`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unexpected_status: Option<f64>,
    /// `malformed_response`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub malformed_response: Option<f64>,
    /// Soft class `refusal` (needs `soft_failures`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusal: Option<f64>,
    /// Soft class `format_violation` (needs `soft_failures`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format_violation: Option<f64>,
    /// Soft class `instruction_drift` (needs `soft_failures`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instruction_drift: Option<f64>,
    /// Soft class `quality_degradation` (needs `soft_failures`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality_degradation: Option<f64>,
    /// Soft class `hallucination` (needs `soft_failures`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hallucination: Option<f64>,
    /// Soft class `model_substitution` (needs `soft_failures`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_substitution: Option<f64>,
}

impl ClassThresholds {
    /// Every class by its name, with its threshold if it has one.
    pub fn entries(&self) -> [(&'static str, Option<f64>); 13] {
        [
            ("rate_limited", self.rate_limited),
            ("timeout", self.timeout),
            ("server_error", self.server_error),
            ("connection_failed", self.connection_failed),
            ("auth_error", self.auth_error),
            ("unexpected_status", self.unexpected_status),
            ("malformed_response", self.malformed_response),
            ("refusal", self.refusal),
            ("format_violation", self.format_violation),
            ("instruction_drift", self.instruction_drift),
            ("quality_degradation", self.quality_degradation),
            ("hallucination", self.hallucination),
            ("model_substitution", self.model_substitution),
        ]
    }

    /// Whether a soft class has one.
    pub fn has_soft(&self) -> bool {
        [
            self.refusal,
            self.format_violation,
            self.instruction_drift,
            self.quality_degradation,
            self.hallucination,
            self.model_substitution,
        ]
        .iter()
        .any(Option::is_some)
    }

    /// Whether no class has one.
    pub fn is_empty(&self) -> bool {
        self.entries().iter().all(|(_, t)| t.is_none())
    }
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self {
            window_ms: 30_000,
            min_calls: 10,
            failure_rate: 0.5,
            open_ms: 10_000,
            open_max_ms: 120_000,
            half_open_probes: 1,
            probe_timeout_ms: None,
            open_backoff_reset_ms: None,
            class_thresholds: ClassThresholds::default(),
        }
    }
}

/// How traffic returns to a recovered provider once its half-open probes
/// pass. `immediate` gives all of it back at once; the other strategies
/// (capability `gradual-failback`) ramp it up in steps, each held `step_ms`
/// and validated before the next, and send the share back to 0 (the breaker
/// reopens, for longer) when a step fails its validation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "strategy", rename_all = "snake_case", deny_unknown_fields)]
pub enum FailbackConfig {
    /// All of its traffic at once.
    #[default]
    Immediate,
    /// Rising shares of its traffic, such as 10, 25, 50, 100 percent.
    Gradual {
        /// The shares in percent, rising, the last one 100.
        percent: Vec<f64>,
        /// Least time at each share.
        step_ms: u64,
        /// What each share must show before the next.
        #[serde(default)]
        validation: StepValidation,
    },
    /// A fixed small share of its traffic, then all of it.
    Canary {
        /// The canary's share in percent, below 100.
        percent: f64,
        /// Least time at the canary's share.
        step_ms: u64,
        /// What the canary must show.
        #[serde(default)]
        validation: StepValidation,
    },
    /// None of the clients' traffic for a validation window in which only the
    /// gateway's own probes (`probes`, required) reach it, then all of it.
    BlueGreen {
        /// Least length of the validation window.
        step_ms: u64,
        /// What the probe traffic must show.
        #[serde(default)]
        validation: StepValidation,
    },
}

impl FailbackConfig {
    /// The shares below 100 percent, in order, and each step's hold and
    /// validation; no shares for `immediate`.
    pub fn steps(&self) -> (Vec<f64>, u64, StepValidation) {
        match self {
            FailbackConfig::Immediate => (Vec::new(), 0, StepValidation::default()),
            FailbackConfig::Gradual { percent, step_ms, validation } => {
                (percent.iter().copied().filter(|p| *p < 100.0).collect(), *step_ms, *validation)
            }
            FailbackConfig::Canary { percent, step_ms, validation } => (vec![*percent], *step_ms, *validation),
            FailbackConfig::BlueGreen { step_ms, validation } => (vec![0.0], *step_ms, *validation),
        }
    }
}

/// What one step of a failback ramp must show before the next.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct StepValidation {
    /// Calls the recovered provider must answer at this step.
    pub min_calls: u32,
    /// Highest error rate tolerated, a fraction in [0, 1); a step fails as
    /// soon as its failures exceed this share of `min_calls`, or of its calls
    /// when it has more.
    pub max_error_rate: f64,
    /// Highest p95 latency tolerated (at most one call in twenty slower);
    /// absent means latency is not validated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_p95_ms: Option<u64>,
}

impl Default for StepValidation {
    fn default() -> Self {
        Self { min_calls: 5, max_error_rate: 0.0, max_p95_ms: None }
    }
}

/// Limits on client input, and on the load the gateway takes on.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Largest request body accepted; larger ones get 413.
    pub max_body_bytes: u64,
    /// Inference requests served at once (capability `load`); absent means
    /// no bound. Beyond it, up to `max_queued` more wait, each at most
    /// `queue_timeout_ms`, for one to finish; the rest, and those that wait
    /// in vain, get 503 with `Retry-After` (code `gateway_overloaded`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_in_flight: Option<u32>,
    /// Requests that may wait for a place, beyond `max_in_flight`.
    pub max_queued: u32,
    /// Longest a request waits for a place.
    pub queue_timeout_ms: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self { max_body_bytes: 4 * 1024 * 1024, max_in_flight: None, max_queued: 0, queue_timeout_ms: 1_000 }
    }
}
