//! The validated config in the form the request path uses: provider and model
//! references resolved to indices, durations as `Duration`, upstream URIs and
//! `Authorization` headers built once.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use failover_contract::{ChainEntry, ConfigError, GatewayConfig};
use http::{HeaderValue, Uri};

use failover_policy::routing::{MAX_CHAIN, Tried};
use failover_policy::{
    ActivationConfig, BreakerConfig, BudgetConfig, ClassWeights, HealthConfig, NearestConfig, RampConfig, RegionConfig,
    RetryConfig, Thresholds, Validation, Weights,
};

/// One upstream provider.
#[derive(Debug)]
pub struct Upstream {
    /// Provider id.
    pub id: Arc<str>,
    /// `{base_url}/v1/chat/completions`.
    pub chat_uri: Uri,
    /// `{base_url}/v1/embeddings`.
    pub embeddings_uri: Uri,
    /// `{base_url}/v1/models`, for keeping connections warm.
    pub models_uri: Uri,
    /// `Bearer <api_key>`.
    pub authorization: HeaderValue,
    /// The id as a header value, for `x-failover-served-by`.
    pub id_header: HeaderValue,
    /// Requests sent to it at once, at most (`providers[].max_in_flight`).
    pub max_in_flight: Option<u32>,
}

/// One step of a model's chain.
#[derive(Debug)]
pub struct Hop {
    /// Index into [`Settings::upstreams`].
    pub upstream: usize,
    /// Model name to send instead of the client's, if the chain maps it.
    pub model: Option<Arc<str>>,
    /// What its provider charges, in picodollars per token.
    pub price: failover_policy::spend::Price,
    /// The model its answers must name (`model_version`), if pinned.
    pub version: Option<Arc<str>>,
}

/// A model and its chain.
#[derive(Debug)]
pub struct Route {
    /// The client-facing model name.
    pub model: Arc<str>,
    /// The chain, primary first.
    pub hops: Vec<Hop>,
    /// Each hop's context window, where the config gives one.
    pub windows: Vec<Option<u64>>,
    /// Each hop's priority level (its position when the config gives none).
    pub priority: Vec<u32>,
    /// Each hop's provider's region, as an index into [`Settings::regions`].
    pub regions: Vec<Option<u16>>,
    /// Whether its requests may be sent twice.
    pub idempotent: bool,
    /// The hops of its content-policy chain (`content_policy_chain`), which
    /// follow the chain's own in `hops`: empty when it has none.
    pub content_policy: Tried,
    /// The answer's content when no provider serves and no cached answer is
    /// fresh, if configured.
    pub default_answer: Option<Arc<str>>,
}

/// Timeouts and the policy knobs.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// Deadline of a whole request.
    pub request_timeout: Duration,
    /// Limit of one attempt.
    pub attempt_timeout: Duration,
    /// Limit of a stream attempt until its first event.
    pub first_byte_timeout: Duration,
    /// Longest silence between two events of a relayed stream.
    pub stream_idle_timeout: Duration,
    /// How long an `Idempotency-Key` answer is replayed.
    pub idempotency_window: Duration,
    /// Most `Idempotency-Key` answers kept.
    pub idempotency_capacity: usize,
    /// Retry schedule.
    pub retry: RetryConfig,
    /// Retry budget across requests, if configured.
    pub budget: Option<BudgetConfig>,
    /// Breaker knobs (with the failback ramp).
    pub breaker: BreakerConfig,
    /// Seed of the random draws (jitter, ramp), if the config fixes one.
    pub random_seed: Option<u64>,
    /// Health scoring, if configured.
    pub health: Option<HealthConfig>,
    /// What learning may change, if it is on.
    pub learning: Option<failover_policy::learning::Bounds>,
    /// The latency-aware order within priority levels, if on.
    pub nearest: Option<NearestConfig>,
    /// Whole-region outages, if watched.
    pub region_outage: Option<RegionConfig>,
    /// Stalled providers, if watched.
    pub stall: Option<failover_policy::StallConfig>,
}

/// Everything the gateway needs from its config.
#[derive(Debug)]
pub struct Settings {
    /// Providers, in config order.
    pub upstreams: Vec<Upstream>,
    /// Models, in config order.
    pub routes: Vec<Route>,
    /// Model name → index into `routes`.
    pub by_model: HashMap<String, usize>,
    /// Policy knobs.
    pub policy: Policy,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Requests served at once, waiting, and the longest wait, if bounded.
    pub admission: Option<(u32, u32, Duration)>,
    /// The gateway's own probes, if configured.
    pub probes: Option<Probes>,
    /// Warm connections to every provider, if configured: every interval,
    /// that many at once.
    pub prewarm: Option<(Duration, u32)>,
    /// The bearer token `/admin/` requires, if any.
    pub admin_token: Option<String>,
    /// The fallback activation rate, if watched.
    pub fallback_rate: Option<ActivationConfig>,
    /// Drills run on a schedule.
    pub drills: Vec<crate::drills::Scheduled>,
    /// The providers' region names, in order of first appearance.
    pub regions: Vec<Arc<str>>,
    /// How successful chat answers are judged, if they are.
    pub soft: Option<failover_policy::soft::SoftConfig>,
    /// The provider asked to score whole chat answers, if any.
    pub judge: Option<Judge>,
    /// Service level objectives, in config order.
    pub slos: Vec<Objectives>,
}

/// One configured SLO (`slos[]`).
#[derive(Debug)]
pub struct Objectives {
    /// Its id.
    pub id: Arc<str>,
    /// The model it watches (an index into `routes`).
    pub route: usize,
    /// Its window and targets.
    pub config: failover_policy::slo::SloConfig,
}

/// The judge provider (`policy.soft_failures.judge`).
#[derive(Debug)]
pub struct Judge {
    /// Index into [`Settings::upstreams`].
    pub upstream: usize,
    /// The model name it is asked for.
    pub model: String,
    /// Answers scored below this are hallucinations.
    pub min_score: f64,
    /// How long its score is waited for.
    pub timeout: Duration,
}

/// Active probes: every `interval`, a chat completion with `body` to each
/// chain entry (the entry's model name is set per entry).
#[derive(Debug)]
pub struct Probes {
    /// Time between two probes of the same entry.
    pub interval: Duration,
    /// The probe's text.
    pub prompt: String,
}

/// The policy's failback ramp for a validated `failback` config.
fn ramp(failback: &failover_contract::FailbackConfig) -> Result<RampConfig, ConfigError> {
    let (percent, step_ms, v) = failback.steps();
    let shares: Vec<u32> = percent.iter().map(|p| (p * 1e4).round() as u32).collect();
    let validation = Validation {
        min_calls: v.min_calls,
        max_error_ppm: (v.max_error_rate * 1e6).round() as u32,
        max_p95: v.max_p95_ms.map(ms),
    };
    if shares.is_empty() {
        return Ok(RampConfig::NONE);
    }
    RampConfig::new(&shares, ms(step_ms), validation)
        .map_err(|message| ConfigError { path: "policy.failback".into(), message })
}

/// The policy's soft-failure judgement for a `policy.soft_failures` config.
fn soft(c: &failover_contract::SoftFailuresConfig) -> Result<failover_policy::soft::SoftConfig, ConfigError> {
    use failover_policy::soft::{Grounding, Quality, RateWatch, Rules, SoftConfig};
    let pattern = |field: String, p: &str| {
        regex::Regex::new(p).map_err(|e| ConfigError {
            path: format!("policy.soft_failures.{field}"),
            message: format!("is not a valid regular expression: {e}"),
        })
    };
    let patterns = |field: &str, list: &[String]| -> Result<Vec<regex::Regex>, ConfigError> {
        list.iter().enumerate().map(|(i, p)| pattern(format!("{field}[{i}]"), p)).collect()
    };
    let ids = c.citation_ids.as_deref().map(|p| pattern("citation_ids".into(), p)).transpose()?;
    let quote_words = c.quote_words.map(|w| w as usize);
    Ok(SoftConfig {
        refusal_phrases: c.refusal_phrases.iter().map(|p| p.trim().to_lowercase()).collect(),
        rules: Rules {
            required: patterns("required", &c.required)?,
            forbidden: patterns("forbidden", &c.forbidden)?,
            max_chars: c.max_chars.map(|m| usize::try_from(m).unwrap_or(usize::MAX)),
        },
        quality: Quality {
            min_chars: c.min_chars as usize,
            ngram: c.ngram as usize,
            max_repeated: c.max_repeated,
            min_ngrams: c.min_ngrams as usize,
            min_rate_share: c.token_rate.as_ref().map_or(Quality::default().min_rate_share, |r| r.min_share),
        },
        grounding: (ids.is_some() || quote_words.is_some()).then_some(Grounding { ids, quote_words }),
        judge_min_score: c.judge.as_ref().map(|j| j.min_score),
        rate: c
            .token_rate
            .as_ref()
            .map(|r| RateWatch { baseline_streams: r.baseline_streams, min_tokens: r.min_tokens }),
        fail_over_on: c.fail_over_on.iter().map(|&class| soft_class(class)).collect(),
    })
}

/// The per-class opening rates, by the policy's kinds.
fn class_thresholds(config: &failover_contract::ClassThresholds) -> failover_policy::ClassThresholds {
    config.entries().iter().fold(failover_policy::ClassThresholds::NONE, |t, &(name, rate)| match rate {
        Some(rate) => {
            let kind = failover_policy::Kind::named(name).expect("the contract names the policy's classes");
            t.with(kind, (rate * 1e6).round() as u32)
        }
        None => t,
    })
}

fn soft_class(class: failover_contract::SoftFailureClass) -> failover_policy::soft::SoftClass {
    use failover_contract::SoftFailureClass as C;
    use failover_policy::soft::SoftClass;
    match class {
        C::Refusal => SoftClass::Refusal,
        C::FormatViolation => SoftClass::FormatViolation,
        C::InstructionDrift => SoftClass::InstructionDrift,
        C::QualityDegradation => SoftClass::QualityDegradation,
        C::Hallucination => SoftClass::Hallucination,
        C::ModelSubstitution => SoftClass::ModelSubstitution,
    }
}

pub(crate) fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

impl Settings {
    /// Resolves a validated contract config.
    pub fn from_config(config: &GatewayConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let upstreams =
            config.providers.iter().enumerate().map(|(i, p)| upstream(i, p)).collect::<Result<Vec<_>, _>>()?;
        let index: HashMap<&str, usize> =
            config.providers.iter().enumerate().map(|(i, p)| (p.id.as_str(), i)).collect();
        let mut regions: Vec<Arc<str>> = Vec::new();
        let mut region_of = Vec::with_capacity(config.providers.len());
        for p in &config.providers {
            region_of.push(p.region.as_deref().map(|name| match regions.iter().position(|r| &**r == name) {
                Some(i) => i as u16,
                None => {
                    regions.push(Arc::from(name));
                    (regions.len() - 1) as u16
                }
            }));
        }
        let mut routes = Vec::with_capacity(config.models.len());
        for (i, m) in config.models.iter().enumerate() {
            // The content-policy chain's entries follow the chain's own, each
            // a hop of its own (with its own breaker), after every priority level.
            let entries: Vec<&ChainEntry> = m.backend_map.iter().chain(&m.content_policy_chain).collect();
            if entries.len() > MAX_CHAIN {
                return Err(ConfigError {
                    path: format!("models[{i}].backend_map"),
                    message: format!("a chain and its content-policy chain may name at most {MAX_CHAIN} providers"),
                });
            }
            let hops = entries
                .iter()
                .map(|e| Hop {
                    upstream: index[e.provider.as_str()],
                    model: e.model.as_deref().map(Arc::from),
                    price: e.price.map(picodollars).unwrap_or_default(),
                    version: e.model_version.as_deref().map(Arc::from),
                })
                .collect();
            let windows = entries.iter().map(|e| e.context_window).collect();
            let own = m.backend_map.len();
            let mut priority: Vec<u32> =
                m.backend_map.iter().enumerate().map(|(j, e)| e.priority.unwrap_or(j as u32)).collect();
            let after = priority.iter().max().map_or(0, |p| p.saturating_add(1));
            priority.extend((0..m.content_policy_chain.len()).map(|j| after.saturating_add(j as u32)));
            let regions = entries.iter().map(|e| region_of[index[e.provider.as_str()]]).collect();
            let mut content_policy = Tried::default();
            (own..entries.len()).for_each(|hop| content_policy.insert(hop));
            let (model, idempotent) = (Arc::from(m.name.as_str()), m.idempotent);
            let default_answer = m.default_answer.as_deref().map(Arc::from);
            routes.push(Route { model, hops, windows, priority, regions, idempotent, content_policy, default_answer });
        }
        let by_model: HashMap<String, usize> =
            config.models.iter().enumerate().map(|(i, m)| (m.name.clone(), i)).collect();
        let p = &config.policy;
        let b = &p.breaker;
        let policy = Policy {
            request_timeout: ms(p.request_timeout_ms),
            attempt_timeout: ms(p.attempt_timeout_ms),
            first_byte_timeout: ms(p.streaming.first_byte_timeout_ms.unwrap_or(p.attempt_timeout_ms)),
            stream_idle_timeout: ms(p.streaming.idle_timeout_ms),
            idempotency_window: ms(p.idempotency.window_ms),
            idempotency_capacity: p.idempotency.capacity as usize,
            retry: RetryConfig {
                max_attempts: p.retry.max_attempts,
                base: ms(p.retry.backoff_base_ms),
                cap: ms(p.retry.backoff_cap_ms),
                retry_after_cap: ms(p.retry.retry_after_cap_ms),
            },
            budget: p.retry.budget.map(|b| BudgetConfig {
                ratio_ppm: (b.ratio * 1e6).round() as u32,
                min_per_sec: b.min_per_sec,
                capacity: b.capacity,
            }),
            breaker: BreakerConfig {
                window: ms(b.window_ms),
                min_calls: b.min_calls,
                threshold_ppm: (b.failure_rate * 1e6).round() as u32,
                open: ms(b.open_ms),
                open_max: ms(b.open_max_ms),
                half_open_probes: b.half_open_probes,
                probe_timeout: ms(b.probe_timeout_ms.unwrap_or(p.attempt_timeout_ms)),
                backoff_reset: ms(b.open_backoff_reset_ms.unwrap_or(b.open_max_ms)),
                ramp: ramp(&p.failback)?,
                active_probes: config.probes.is_some(),
                classes: class_thresholds(&b.class_thresholds),
            },
            random_seed: p.random_seed,
            nearest: p.latency_routing.map(|l| NearestConfig {
                weight: l.weight,
                margin: l.margin,
                min_samples: l.min_samples,
            }),
            region_outage: p
                .region_outage
                .map(|r| RegionConfig { suspect_after: r.suspect_after, within: ms(r.within_ms) }),
            stall: p.stall.map(|s| failover_policy::StallConfig { after: ms(s.after_ms), attempts: s.attempts }),
            learning: p.learning.map(|l| {
                let range = |b: Option<failover_contract::Bounds>| {
                    b.map(|b| failover_policy::learning::Range { min: b.min as f64, max: b.max as f64 })
                };
                failover_policy::learning::Bounds {
                    min_calls: range(l.min_calls),
                    open_ms: range(l.open_ms),
                    half_open_probes: range(l.half_open_probes),
                }
            }),
            health: p.health.map(|h| HealthConfig {
                window: ms(h.window_ms),
                min_samples: h.min_samples,
                baseline_samples: h.baseline_samples,
                drain_score: h.drain_score,
                warn_score: h.warn_score,
                horizon: ms(h.trend_horizon_ms),
                breach: ms(p.attempt_timeout_ms),
                weights: Weights {
                    error_rate: h.weights.error_rate,
                    latency: h.weights.latency,
                    p95: h.weights.p95,
                    latency_trend: h.weights.latency_trend,
                    error_trend: h.weights.error_trend,
                    headroom: h.weights.headroom,
                },
                class_weights: ClassWeights {
                    rate_limited: h.class_weights.rate_limited,
                    timeout: h.class_weights.timeout,
                    server_error: h.class_weights.server_error,
                    connection_failed: h.class_weights.connection_failed,
                    other: h.class_weights.other,
                },
                thresholds: Thresholds {
                    error_rate: h.thresholds.error_rate,
                    latency_ratio: h.thresholds.latency_ratio,
                    p95_ratio: h.thresholds.p95_ratio,
                    headroom: h.thresholds.headroom,
                },
            }),
        };
        let max_body_bytes = usize::try_from(config.limits.max_body_bytes).unwrap_or(usize::MAX);
        let probes = config.probes.as_ref().map(|p| Probes { interval: ms(p.interval_ms), prompt: p.prompt.clone() });
        let admin_token = admin_token(&config.admin)?;
        let fallback_rate = config.monitoring.fallback_rate.map(|f| ActivationConfig {
            window: ms(f.window_ms),
            warning: f.warning,
            alert: f.alert,
            min_requests: f.min_requests,
        });
        let drills = config
            .drills
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let err = |field: &str, message: String| ConfigError { path: format!("drills[{i}].{field}"), message };
                Ok(crate::drills::Scheduled {
                    upstream: index[d.provider.as_str()],
                    class: crate::drills::class_named(&d.class)
                        .ok_or_else(|| err("class", format!("\"{}\" is not a drill class", d.class)))?,
                    share: d.share,
                    duration: ms(d.duration_ms),
                    schedule: crate::drills::parse_schedule(&d.schedule).map_err(|e| err("schedule", e))?,
                })
            })
            .collect::<Result<Vec<_>, ConfigError>>()?;
        let judge = config.policy.soft_failures.as_ref().and_then(|s| s.judge.as_ref()).map(|j| Judge {
            upstream: upstreams.iter().position(|u| *u.id == *j.provider).expect("validated: a known provider"),
            model: j.model.clone(),
            min_score: j.min_score,
            timeout: ms(j.timeout_ms),
        });
        let slos = config
            .slos
            .iter()
            .map(|o| Objectives {
                id: o.id.as_str().into(),
                route: by_model[o.model.as_str()],
                config: failover_policy::slo::SloConfig {
                    window: ms(o.window_ms),
                    min_requests: o.min_requests,
                    targets: failover_policy::slo::Targets {
                        availability: o.availability,
                        goodput: o.goodput,
                        ttft_p95: o.ttft_p95_ms.map(ms),
                        soft_failure_rate: o.soft_failure_rate,
                        cost_per_useful_answer: o.cost_per_useful_answer_usd.map(|usd| (usd * 1e12).round() as u64),
                    },
                },
            })
            .collect();
        Ok(Self {
            slos,
            upstreams,
            routes,
            by_model,
            policy,
            max_body_bytes,
            probes,
            admin_token,
            fallback_rate,
            drills,
            regions,
            prewarm: config.prewarm.map(|w| (ms(w.interval_ms), w.connections)),
            soft: config.policy.soft_failures.as_ref().map(soft).transpose()?,
            judge,
            admission: config
                .limits
                .max_in_flight
                .map(|n| (n, config.limits.max_queued, ms(config.limits.queue_timeout_ms))),
        })
    }
}

impl Settings {
    /// The provider at chain position `hop` of `route`.
    pub fn provider_of(&self, route: usize, hop: usize) -> &Upstream {
        &self.upstreams[self.routes[route].hops[hop].upstream]
    }
}

/// A price in US dollars per million tokens, in picodollars per token.
fn picodollars(price: failover_contract::PriceConfig) -> failover_policy::spend::Price {
    // Validated to below 1,000,000 dollars per million tokens: at most 1e12
    // picodollars a token, well within u64.
    let per_token = |usd_per_mtok: f64| (usd_per_mtok * 1e6).round() as u64;
    failover_policy::spend::Price {
        input: per_token(price.input_usd_per_mtok),
        output: per_token(price.output_usd_per_mtok),
    }
}

/// The admin token, from the config or from the environment variable it names.
fn admin_token(admin: &failover_contract::AdminConfig) -> Result<Option<String>, ConfigError> {
    let Some(name) = &admin.token_env else { return Ok(admin.token.clone()) };
    let err = |message: String| ConfigError { path: "admin.token_env".into(), message };
    match std::env::var(name) {
        Ok(token) if !token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic()) => Ok(Some(token)),
        Ok(_) => Err(err(format!("the variable {name} must hold non-empty printable ASCII without spaces"))),
        Err(_) => {
            Err(err(format!("names {name}, which is not set in the gateway's environment; set it or use admin.token")))
        }
    }
}

fn upstream(i: usize, p: &failover_contract::ProviderConfig) -> Result<Upstream, ConfigError> {
    let err = |field: &str, message: String| ConfigError { path: format!("providers[{i}].{field}"), message };
    let base = p.base_url.trim_end_matches('/');
    let uri = |path: &str| {
        format!("{base}{path}")
            .parse::<Uri>()
            .map_err(|e| err("base_url", format!("\"{}\" is not a valid URL: {e}", p.base_url)))
    };
    let authorization = HeaderValue::from_str(&format!("Bearer {}", p.api_key))
        .map_err(|_| err("api_key", "must be printable ASCII, as an HTTP header value".into()))?;
    let id_header = HeaderValue::from_str(&p.id)
        .map_err(|_| err("id", "must be printable ASCII, as it is sent in the x-failover-served-by header".into()))?;
    Ok(Upstream {
        id: Arc::from(p.id.as_str()),
        chat_uri: uri("/v1/chat/completions")?,
        embeddings_uri: uri("/v1/embeddings")?,
        models_uri: uri("/v1/models")?,
        authorization,
        id_header,
        max_in_flight: p.max_in_flight,
    })
}
