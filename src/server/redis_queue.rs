//! The Redis Streams queue (`queue.backend = "redis"`): any number of hosts receive webhooks and
//! investigate them with one consumer group.
//!
//! Keys, all under the stream's name `S` (`queue.redis_stream`):
//!
//! | key | what |
//! |---|---|
//! | `S` | the jobs: one entry per firing alert (incident id, fingerprint, startsAt, the redacted alert); an entry is deleted when acknowledged, so `XLEN` is the queue depth |
//! | group `aida` on `S` | every `aida serve` worker of every host; the pending list holds the jobs running |
//! | `S:firing:<fingerprint>\|<startsAt>` | one firing: incident id, notifications, last seen, state (`queued`, `done`, `dead`), the store that holds it, resolved at, last error; expires 7 days after last seen |
//! | `S:open:<fingerprint>` | the `startsAt` of the alert's newest open firing |
//! | `S:dead` | dead letters: jobs that ran out of deliveries, with their last error |
//! | `S:resolved:<store>` | resolutions for incidents a store holds already, applied by that store's servers |
//!
//! Receiving is one Lua script per request, so folding, closing and `XADD` are atomic across
//! receivers: the 202 comes after Redis answered it. Scripts touch keys they compute, so this
//! needs one Redis (or a Sentinel pair), not Redis Cluster.
use std::sync::LazyLock;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::store::{Delivered, IncomingAlert, Receipt};

/// The consumer group every worker of every host joins.
pub const GROUP: &str = "aida";
/// How long a firing is remembered after it was last seen (re-notifications fold into it).
pub const FIRING_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// Why Redis could not be used.
#[derive(Debug, thiserror::Error)]
pub enum RedisError {
    #[error("queue.redis_url is not set (needed with queue.backend = \"redis\")")]
    NoUrl,
    #[error("queue.redis_url {url}: {source}")]
    Url {
        url: String,
        source: redis::RedisError,
    },
    #[error("cannot reach Redis at {url}: {source}")]
    Connect {
        url: String,
        source: redis::RedisError,
    },
    #[error("Redis: {0}")]
    Command(#[from] redis::RedisError),
    #[error("Redis answered unexpectedly: {0}")]
    Reply(String),
}

impl RedisError {
    /// True when the user has to fix a setting (exit 2).
    pub fn is_user_error(&self) -> bool {
        matches!(self, RedisError::NoUrl | RedisError::Url { .. })
    }
}

/// The names of one queue's keys.
#[derive(Debug, Clone)]
pub struct Keys {
    pub stream: String,
}

impl Keys {
    pub fn dead(&self) -> String {
        format!("{}:dead", self.stream)
    }

    pub fn firing(&self, fingerprint: &str, starts_at: &str) -> String {
        format!("{}:firing:{fingerprint}|{starts_at}", self.stream)
    }

    pub fn resolved(&self, holder: &str) -> String {
        format!("{}:resolved:{holder}", self.stream)
    }
}

/// A connection to the queue: the receiver's side, and the factory of the workers' connections.
#[derive(Clone)]
pub struct RedisQueue {
    client: redis::Client,
    url: String,
    conn: ConnectionManager,
    pub keys: Keys,
}

/// Folds, closes or queues every alert of one request, atomically. ARGV: TTL seconds, capacity,
/// now, then 7 per alert (kind, fingerprint, startsAt, new incident id, alert name, alert JSON,
/// endsAt). Returns `{"full", depth, needed}` or one `{outcome, incident id, n}` triple per alert.
const RECEIVE: &str = r#"
local s = KEYS[1]
local ttl, cap, now = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local n = (#ARGV - 3) / 7
local function firing(fp, sa) return s .. ':firing:' .. fp .. '|' .. sa end
local new = 0
for i = 0, n - 1 do
  local b = 4 + i * 7
  if ARGV[b] == 'firing' and redis.call('HEXISTS', firing(ARGV[b+1], ARGV[b+2]), 'incident_id') == 0 then
    new = new + 1
  end
end
local depth = redis.call('XLEN', s)
if new > 0 and depth + new > cap then return {'full', tostring(depth), tostring(new)} end
local out = {}
for i = 0, n - 1 do
  local b = 4 + i * 7
  local kind, fp, sa, id, name, alert, ends = ARGV[b], ARGV[b+1], ARGV[b+2], ARGV[b+3], ARGV[b+4], ARGV[b+5], ARGV[b+6]
  local h = firing(fp, sa)
  if kind == 'firing' then
    local existing = redis.call('HGET', h, 'incident_id')
    if existing then
      local k = redis.call('HINCRBY', h, 'notifications', 1)
      redis.call('HSET', h, 'last_seen', now)
      redis.call('EXPIRE', h, ttl)
      table.insert(out, 'folded'); table.insert(out, existing); table.insert(out, tostring(k))
    else
      redis.call('XADD', s, '*', 'incident_id', id, 'fingerprint', fp, 'starts_at', sa,
        'alert_name', name, 'alert', alert, 'received_at', now)
      redis.call('HSET', h, 'incident_id', id, 'notifications', 1, 'first_seen', now,
        'last_seen', now, 'state', 'queued')
      redis.call('EXPIRE', h, ttl)
      redis.call('SET', s .. ':open:' .. fp, sa, 'EX', ttl)
      table.insert(out, 'queued'); table.insert(out, id); table.insert(out, '1')
    end
  else
    -- The same firing (startsAt) first, else the alert's newest open firing.
    local target = h
    if redis.call('HEXISTS', h, 'incident_id') == 0 or redis.call('HEXISTS', h, 'resolved_at') == 1 then
      local open = redis.call('GET', s .. ':open:' .. fp)
      target = open and firing(fp, open) or nil
    end
    if target and redis.call('HEXISTS', target, 'incident_id') == 1
        and redis.call('HEXISTS', target, 'resolved_at') == 0 then
      local at = ends ~= '' and ends or now
      local incident, holder = unpack(redis.call('HMGET', target, 'incident_id', 'holder'))
      redis.call('HSET', target, 'resolved_at', at, 'last_seen', now)
      redis.call('EXPIRE', target, ttl)
      if target == firing(fp, redis.call('GET', s .. ':open:' .. fp) or '') then
        redis.call('DEL', s .. ':open:' .. fp)
      end
      -- Stored already: tell the store that holds it.
      if holder then
        redis.call('XADD', s .. ':resolved:' .. holder, 'MAXLEN', '~', 100000, '*',
          'incident_id', incident, 'resolved_at', at)
      end
      table.insert(out, 'closed'); table.insert(out, incident); table.insert(out, '0')
    else
      table.insert(out, 'none'); table.insert(out, ''); table.insert(out, '0')
    end
  end
end
return out
"#;

impl RedisQueue {
    /// Connects (and creates the stream and its consumer group when they do not exist).
    pub async fn connect(url: Option<&str>, stream: &str) -> Result<Self, RedisError> {
        let url = url
            .filter(|u| !u.trim().is_empty())
            .ok_or(RedisError::NoUrl)?;
        let client = redis::Client::open(url).map_err(|source| RedisError::Url {
            url: redact_url(url),
            source,
        })?;
        let url = redact_url(url);
        let conn = manager(&client, Duration::from_secs(10))
            .await
            .map_err(|source| RedisError::Connect {
                url: url.clone(),
                source,
            })?;
        let queue = Self {
            client,
            url,
            conn,
            keys: Keys {
                stream: stream.to_string(),
            },
        };
        queue.create_group(&queue.keys.stream).await?;
        Ok(queue)
    }

    /// The shared connection (commands that do not block).
    pub fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// A connection of its own, for a worker's blocking reads.
    pub async fn own_connection(&self, block: Duration) -> Result<ConnectionManager, RedisError> {
        manager(&self.client, block + Duration::from_secs(10))
            .await
            .map_err(|source| RedisError::Connect {
                url: self.url.clone(),
                source,
            })
    }

    /// `XGROUP CREATE key aida 0 MKSTREAM` (from the start: nothing added before the group is
    /// missed), tolerating a group that exists.
    pub async fn create_group(&self, key: &str) -> Result<(), RedisError> {
        let created: redis::RedisResult<()> = redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(key)
            .arg(GROUP)
            .arg("0")
            .arg("MKSTREAM")
            .query_async(&mut self.conn())
            .await;
        match created {
            Err(e) if e.code() == Some("BUSYGROUP") => Ok(()),
            other => other.map_err(Into::into),
        }
    }

    /// Queues a request's alerts (see [`RECEIVE`]); when this returns `Ok`, Redis has them.
    pub async fn deliver(
        &self,
        alerts: &[IncomingAlert],
        capacity: usize,
    ) -> Result<Delivered, RedisError> {
        let now = crate::store::now();
        static SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(RECEIVE));
        let mut invocation = SCRIPT.key(&self.keys.stream);
        invocation.arg(FIRING_TTL.as_secs()).arg(capacity).arg(&now);
        for a in alerts {
            invocation
                .arg(if a.resolved { "resolved" } else { "firing" })
                .arg(&a.fingerprint)
                .arg(a.starts_at.as_deref().unwrap_or(""))
                .arg(&a.id)
                .arg(&a.alert_name)
                .arg(a.alert.to_string())
                .arg(a.ends_at.as_deref().unwrap_or(""));
        }
        let reply: Vec<String> = invocation.invoke_async(&mut self.conn()).await?;
        parse_receipts(&reply, capacity)
    }

    /// Jobs queued or running: entries are deleted when acknowledged.
    pub async fn depth(&self) -> Result<usize, RedisError> {
        let n: usize = redis::cmd("XLEN")
            .arg(&self.keys.stream)
            .query_async(&mut self.conn())
            .await?;
        Ok(n)
    }

    pub async fn ping(&self) -> Result<(), RedisError> {
        let _: String = redis::cmd("PING").query_async(&mut self.conn()).await?;
        Ok(())
    }
}

async fn manager(
    client: &redis::Client,
    response_timeout: Duration,
) -> redis::RedisResult<ConnectionManager> {
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(5)))
        .set_response_timeout(Some(response_timeout));
    client.get_connection_manager_with_config(config).await
}

/// `redis://user:secret@host` → `redis://user:***@host`.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => format!("{}***{}", &url[..scheme + 3], &url[at..]),
            }
        }
        _ => url.to_string(),
    }
}

fn parse_receipts(reply: &[String], capacity: usize) -> Result<Delivered, RedisError> {
    let bad = || RedisError::Reply(format!("{reply:?}"));
    if reply.first().map(String::as_str) == Some("full") {
        let number = |i: usize| reply.get(i).and_then(|v| v.parse().ok()).ok_or_else(bad);
        return Ok(Delivered::QueueFull {
            depth: number(1)?,
            capacity,
            needed: number(2)?,
        });
    }
    if !reply.len().is_multiple_of(3) {
        return Err(bad());
    }
    reply
        .chunks(3)
        .map(|r| {
            let incident_id = r[1].clone();
            Ok(match r[0].as_str() {
                "queued" => Receipt::Queued { incident_id },
                "folded" => Receipt::Folded {
                    incident_id,
                    notifications: r[2].parse().map_err(|_| bad())?,
                },
                "closed" => Receipt::Closed { incident_id },
                "none" => Receipt::NothingToClose,
                _ => return Err(bad()),
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Delivered::Accepted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            redact_url("redis://aida:s3cret@10.0.0.1:6379/0"),
            "redis://aida:***@10.0.0.1:6379/0"
        );
        assert_eq!(redact_url("rediss://tok@h:1"), "rediss://***@h:1");
        assert_eq!(
            redact_url("redis://127.0.0.1:6379"),
            "redis://127.0.0.1:6379"
        );
    }

    #[test]
    fn script_replies_become_receipts() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let got = parse_receipts(
            &s(&[
                "queued", "a", "1", "folded", "b", "3", "closed", "c", "0", "none", "", "0",
            ]),
            10,
        )
        .unwrap();
        assert_eq!(
            got,
            Delivered::Accepted(vec![
                Receipt::Queued {
                    incident_id: "a".into()
                },
                Receipt::Folded {
                    incident_id: "b".into(),
                    notifications: 3
                },
                Receipt::Closed {
                    incident_id: "c".into()
                },
                Receipt::NothingToClose,
            ])
        );
        assert_eq!(
            parse_receipts(&s(&["full", "7", "2"]), 8).unwrap(),
            Delivered::QueueFull {
                depth: 7,
                capacity: 8,
                needed: 2
            }
        );
        assert!(parse_receipts(&s(&["queued", "a"]), 1).is_err());
    }
}
