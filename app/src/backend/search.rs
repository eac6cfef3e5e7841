//! Advanced Search as a running service: opening or rebuilding the index at
//! startup, following `search_outbox` so every change to a lead reaches the
//! index, swapping in a rebuilt index, and running searches off the async
//! runtime.
//!
//! The index directory contains generations (`gen-…`) and a `CURRENT` file
//! naming the one in use. A rebuild writes a new generation beside the old
//! one and then replaces `CURRENT`, so searches never stop.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};
use tantivy::{Index, IndexReader, IndexWriter};

use super::search_index::{self, Fields, Gap, Hit, SearchScope, SyncState};
use super::search_text::{self, ParsedQuery, SearchableValues};
use super::{leads, Error};
use crate::filter::LeadView;
use crate::model::{Lead, LeadSummary, Neighbours, Rows, SearchHit, MAX_SEARCH_RESULTS};

/// How often the indexer looks for new outbox rows when it has caught up.
const POLL_INTERVAL: Duration = Duration::from_millis(200);
/// How long the indexer waits after a failure before it tries again.
const RETRY_INTERVAL: Duration = Duration::from_secs(1);
/// Outbox rows applied per commit.
/// NOTE: rows apply in seq order, so a status change made during a large
/// import waits until the import's rows ahead of it are indexed (about half a
/// minute per million leads on 2 cores).
const BATCH_ROWS: i64 = 5_000;
/// Most gaps kept; beyond it neighbouring gaps merge into wider ones.
const MAX_GAPS: usize = 1_000;
/// Indexing memory, shared by the writer's threads.
const WRITER_MEMORY: usize = 128 * 1024 * 1024;
/// Writer threads while rebuilding; following the outbox needs only one.
const REBUILD_THREADS: usize = 2;

const CURRENT_FILE: &str = "CURRENT";

/// State of the search service, as `/api/v1/search/status` reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SearchStatus {
    Starting,
    Building { indexed: u64, total: u64 },
    Ready { generation: String, applied_seq: i64 },
    Failed { error: String },
    Stopped,
}

/// The open index that searches read.
struct Live {
    reader: IndexReader,
    fields: Fields,
}

struct Inner {
    root: PathBuf,
    pool: PgPool,
    status: RwLock<SearchStatus>,
    live: RwLock<Option<Arc<Live>>>,
    stopping: AtomicBool,
}

/// Handle to the search service; clones share one index.
#[derive(Clone)]
pub struct SearchService {
    inner: Arc<Inner>,
}

impl SearchService {
    /// Starts the service: opens the index under `root`, or rebuilds it when it
    /// is missing, of another schema version or unreadable, then follows the
    /// outbox until the process ends. Returns at once; searches return 503
    /// until the index is ready.
    pub fn start(pool: PgPool, root: PathBuf) -> SearchService {
        let service = SearchService {
            inner: Arc::new(Inner {
                root,
                pool,
                status: RwLock::new(SearchStatus::Starting),
                live: RwLock::new(None),
                stopping: AtomicBool::new(false),
            }),
        };
        let running = service.clone();
        tokio::spawn(async move { running.run().await });
        service
    }

    /// A service that never opens an index: every search returns 503
    /// because Advanced Search is starting. For tools and tests that do not search.
    pub fn not_started(pool: PgPool) -> SearchService {
        SearchService {
            inner: Arc::new(Inner {
                root: PathBuf::new(),
                pool,
                status: RwLock::new(SearchStatus::Starting),
                live: RwLock::new(None),
                stopping: AtomicBool::new(false),
            }),
        }
    }

    /// Returns the current status.
    pub fn status(&self) -> SearchStatus {
        self.inner.status.read().expect("status lock").clone()
    }

    fn set_status(&self, status: SearchStatus) {
        *self.inner.status.write().expect("status lock") = status;
    }

    /// Waits until the index is ready, for tests and tools; fails after `timeout`.
    pub async fn wait_until_ready(&self, timeout: Duration) -> Result<(), Error> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.status() {
                SearchStatus::Ready { .. } => return Ok(()),
                SearchStatus::Failed { error } => return Err(Error::Unavailable(error)),
                _ if Instant::now() > deadline => {
                    return Err(Error::Unavailable(format!("the search index was not ready within {timeout:?}")))
                }
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// Stops following the outbox and releases the index, after the batch in
    /// progress is committed. Searches return 503 afterwards.
    pub async fn stop(&self) {
        self.inner.stopping.store(true, Ordering::SeqCst);
        while self.status() != SearchStatus::Stopped {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn stopping(&self) -> bool {
        self.inner.stopping.load(Ordering::SeqCst)
    }

    async fn run(self) {
        loop {
            if self.stopping() {
                self.set_stopped();
                return;
            }
            match self.open_or_rebuild().await {
                Ok(follower) => {
                    self.follow(follower).await;
                    self.set_stopped();
                    return;
                }
                Err(error) => {
                    tracing::error!(%error, root = %self.inner.root.display(), "the search index cannot be opened or built; retrying");
                    self.set_status(SearchStatus::Failed { error: public_failure(&error) });
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
            }
        }
    }

    /// Opens the generation `CURRENT` names, or builds a new one when it is
    /// missing, unreadable, of another schema version or of another database.
    async fn open_or_rebuild(&self) -> Result<Follower, Error> {
        let root = self.inner.root.clone();
        std::fs::create_dir_all(&root).map_err(|source| Error::Io {
            context: format!("cannot create the search index directory {}", root.display()),
            source,
        })?;
        let reason = match current_generation(&root) {
            None => "no index yet".to_string(),
            Some(generation) => match open_follower(&root, &generation).await {
                Ok(follower) => match self.mismatch(&follower).await? {
                    None => {
                        tracing::info!(%generation, applied_seq = follower.state.applied_seq, "opened the search index");
                        self.go_live(&follower);
                        remove_older_generations(&root, &generation).await;
                        return Ok(follower);
                    }
                    Some(reason) => {
                        close_follower(follower).await;
                        reason
                    }
                },
                // Another process writes this index; rebuilding would take it
                // away from under it.
                Err(Error::Index(tantivy::TantivyError::LockFailure(_, _))) => {
                    return Err(Error::Unavailable(format!(
                        "the search index {} is in use by another Leadbase process; give each server its own LEADBASE_INDEX_DIR",
                        root.join(&generation).display()
                    )));
                }
                Err(error) => error.to_string(),
            },
        };
        tracing::info!(%reason, root = %root.display(), "rebuilding the search index");
        let service = self.clone();
        let generation = build_generation(&self.inner.pool, &root, move |indexed, total| {
            service.set_status(SearchStatus::Building { indexed, total });
        })
        .await?;
        let follower = open_follower(&root, &generation).await?;
        self.go_live(&follower);
        remove_older_generations(&root, &generation).await;
        Ok(follower)
    }

    /// Returns why an opened index cannot follow this database, or `None` when it can.
    async fn mismatch(&self, follower: &Follower) -> Result<Option<String>, Error> {
        let mut conn = self.inner.pool.acquire().await?;
        let database = database_identity(&mut conn).await?;
        if follower.state.database != database {
            return Ok(Some(format!("the index was built from another database ({:?})", follower.state.database)));
        }
        let last: Option<i64> = sqlx::query_scalar("select max(seq) from search_outbox").fetch_one(&mut *conn).await?;
        if follower.state.applied_seq > last.unwrap_or(0) {
            return Ok(Some(format!(
                "the index has applied changes up to {}, beyond the last one recorded ({}): the database was restored",
                follower.state.applied_seq,
                last.unwrap_or(0)
            )));
        }
        Ok(None)
    }

    fn set_stopped(&self) {
        *self.inner.live.write().expect("live lock") = None;
        self.set_status(SearchStatus::Stopped);
    }

    fn go_live(&self, follower: &Follower) {
        let live = Live { reader: follower.reader.clone(), fields: follower.fields };
        *self.inner.live.write().expect("live lock") = Some(Arc::new(live));
        self.set_status(SearchStatus::Ready { generation: follower.generation.clone(), applied_seq: follower.state.applied_seq });
    }

    /// Applies the outbox forever; switches to a generation that a
    /// `leadbase reindex` swapped in.
    async fn follow(&self, mut follower: Follower) {
        loop {
            if self.stopping() {
                close_follower(follower).await;
                return;
            }
            let root = self.inner.root.clone();
            if let Some(generation) = current_generation(&root).filter(|name| *name != follower.generation) {
                // The old writer lets go of its directory before it is removed.
                let old = follower.generation.clone();
                close_follower(follower).await;
                match open_follower(&root, &generation).await {
                    Ok(swapped) => {
                        tracing::info!(%generation, previous = %old, "switched to the rebuilt search index");
                        follower = swapped;
                        self.go_live(&follower);
                        remove_older_generations(&root, &generation).await;
                    }
                    Err(error) => {
                        tracing::error!(%error, %generation, "cannot open the rebuilt search index; rebuilding");
                        match self.open_or_rebuild_after_failure().await {
                            Some(rebuilt) => follower = rebuilt,
                            None => return,
                        }
                    }
                }
                continue;
            }
            match follower.sync_once(&self.inner.pool).await {
                Ok(applied) => {
                    self.set_status(SearchStatus::Ready { generation: follower.generation.clone(), applied_seq: follower.state.applied_seq });
                    if applied < BATCH_ROWS as usize {
                        tokio::time::sleep(POLL_INTERVAL).await;
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "applying lead changes to the search index failed; retrying");
                    tokio::time::sleep(RETRY_INTERVAL).await;
                }
            }
        }
    }

    async fn open_or_rebuild_after_failure(&self) -> Option<Follower> {
        loop {
            if self.stopping() {
                return None;
            }
            match self.open_or_rebuild().await {
                Ok(follower) => return Some(follower),
                Err(error) => {
                    tracing::error!(%error, "the search index cannot be rebuilt; retrying");
                    self.set_status(SearchStatus::Failed { error: public_failure(&error) });
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
            }
        }
    }

    /// Runs a search in the live index, on a blocking thread.
    pub async fn search(&self, query: ParsedQuery, scope: SearchScope, offset: usize, limit: usize) -> Result<(Vec<Hit>, u64), Error> {
        let live = self.inner.live.read().expect("live lock").clone();
        let Some(live) = live else {
            return Err(Error::Unavailable(match self.status() {
                SearchStatus::Building { indexed, total } => format!(
                    "Advanced Search is building its index ({} of {} leads); try again in a minute",
                    crate::format::thousands(indexed),
                    crate::format::thousands(total)
                ),
                SearchStatus::Failed { error } => error,
                _ => "Advanced Search is starting; try again in a few seconds".to_string(),
            }));
        };
        let found = tokio::task::spawn_blocking(move || {
            search_index::search(&live.reader, &live.fields, &query, &scope, offset, limit)
        })
        .await
        .map_err(|error| Error::Unavailable(format!("the search did not finish: {error}")))??;
        Ok(found)
    }
}

/// Builds the message users see when the index cannot be opened or built.
/// The log has the cause, which may name paths or database details.
fn public_failure(error: &Error) -> String {
    match error {
        Error::Unavailable(message) => format!("Advanced Search is unavailable: {message}"),
        _ => "Advanced Search is unavailable: its index cannot be opened or built; the server log has the cause. \
              Plain filters still work."
            .to_string(),
    }
}

/// Opens a generation on a blocking thread: opening starts writer threads.
async fn open_follower(root: &Path, generation: &str) -> Result<Follower, Error> {
    let (root, generation) = (root.to_path_buf(), generation.to_string());
    tokio::task::spawn_blocking(move || Follower::open(&root, &generation))
        .await
        .map_err(|error| Error::Unavailable(format!("opening the search index did not finish: {error}")))?
}

/// Closes a generation's writer on a blocking thread: it waits for merges.
async fn close_follower(follower: Follower) {
    let _ = tokio::task::spawn_blocking(move || drop(follower)).await;
}

/// The writer side of one generation: the indexer's own state.
struct Follower {
    generation: String,
    writer: Arc<Mutex<IndexWriter>>,
    reader: IndexReader,
    fields: Fields,
    state: SyncState,
    /// Seqs inside open gaps that were already applied.
    seen_in_gaps: BTreeSet<i64>,
}

impl Follower {
    fn open(root: &Path, generation: &str) -> Result<Follower, Error> {
        let dir = root.join(generation);
        let (index, fields) = search_index::open(&dir)?;
        let state = search_index::committed_state(&index)?.ok_or_else(|| {
            Error::Unavailable(format!(
                "the search index {} was written by another version of Leadbase",
                dir.display()
            ))
        })?;
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY / 2)?;
        let reader = search_index::reader(&index)?;
        Ok(Follower {
            generation: generation.to_string(),
            writer: Arc::new(Mutex::new(writer)),
            reader,
            fields,
            state,
            seen_in_gaps: BTreeSet::new(),
        })
    }

    /// Applies the next outbox rows and commits them with the state they
    /// reach. Returns how many rows were read past the applied seq.
    async fn sync_once(&mut self, pool: &PgPool) -> Result<usize, Error> {
        let mut state = self.state.clone();
        let mut seen = self.seen_in_gaps.clone();

        let batch = read_outbox(pool, &state).await?;
        let read = batch.after.len();
        let changed = apply_to_state(&mut state, &mut seen, &batch);
        if changed.is_empty() && state == self.state {
            return Ok(read);
        }

        let ids: Vec<i64> = changed.into_iter().collect();
        let found = leads::for_index(pool, &ids).await?;
        let writer = self.writer.clone();
        let fields = self.fields;
        let reader = self.reader.clone();
        let committed = state.clone();
        tokio::task::spawn_blocking(move || -> Result<(), Error> {
            let mut writer = writer.lock().expect("writer lock");
            for id in &ids {
                search_index::delete_lead(&writer, &fields, *id);
            }
            for lead in &found {
                writer.add_document(fields.document(lead))?;
            }
            search_index::commit(&mut writer, &committed)?;
            reader.reload()?;
            Ok(())
        })
        .await
        .map_err(|error| Error::Unavailable(format!("the index commit did not finish: {error}")))??;
        self.state = state;
        self.seen_in_gaps = seen;
        Ok(read)
    }
}

/// Outbox rows read in one snapshot.
struct OutboxBatch {
    /// Rows after the applied seq, in seq order.
    after: Vec<(i64, i64)>,
    /// Rows inside open gaps.
    in_gaps: Vec<(i64, i64)>,
    /// Oldest transaction still running when the snapshot was taken.
    xmin: u64,
    /// A transaction id assigned after the snapshot, when the rows skip a
    /// seq: every transaction that may hold the skipped seq has a lower id.
    horizon: Option<u64>,
}

/// Reads the next outbox rows and the rows inside open gaps, in one snapshot.
/// NOTE: applied rows are never deleted, because every server following the
/// outbox reads them; the table grows by one row per changed lead.
async fn read_outbox(pool: &PgPool, state: &SyncState) -> Result<OutboxBatch, Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("set transaction isolation level repeatable read, read only").execute(&mut *tx).await?;
    let xmin = snapshot_xmin(&mut tx).await?;
    let after: Vec<(i64, i64)> =
        sqlx::query_as("select seq, lead_id from search_outbox where seq > $1 order by seq limit $2")
            .bind(state.applied_seq)
            .bind(BATCH_ROWS)
            .fetch_all(&mut *tx)
            .await?;
    let in_gaps: Vec<(i64, i64)> = if state.gaps.is_empty() {
        Vec::new()
    } else {
        let from: Vec<i64> = state.gaps.iter().map(|gap| gap.from).collect();
        let to: Vec<i64> = state.gaps.iter().map(|gap| gap.to).collect();
        sqlx::query_as(
            "select o.seq, o.lead_id from unnest($1::bigint[], $2::bigint[]) g(lo, hi) \
             join search_outbox o on o.seq between g.lo and g.hi order by o.seq",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&mut *tx)
        .await?
    };
    let skips = after.iter().scan(state.applied_seq, |last, (seq, _)| {
        let skipped = *seq > *last + 1;
        *last = *seq;
        Some(skipped)
    });
    let horizon = if skips.into_iter().any(|skipped| skipped) { Some(assigned_xid(&mut tx).await?) } else { None };
    tx.commit().await?;
    Ok(OutboxBatch { after, in_gaps, xmin, horizon })
}

/// Returns the oldest transaction still running at the snapshot. Every
/// transaction with a lower id has ended.
async fn snapshot_xmin(conn: &mut PgConnection) -> Result<u64, Error> {
    let xmin: String = sqlx::query_scalar("select pg_snapshot_xmin(pg_current_snapshot())::text").fetch_one(conn).await?;
    parse_xid(&xmin)
}

/// Assigns this transaction an id, after its snapshot was taken. A
/// transaction that took an outbox seq the snapshot cannot see had its id
/// before then, so a lower one: once the oldest running transaction is past
/// this id, the seq either appeared or never will. (The snapshot's own xmax
/// cannot serve: running transactions above the last completed one are
/// missing from it.)
async fn assigned_xid(conn: &mut PgConnection) -> Result<u64, Error> {
    let xid: String = sqlx::query_scalar("select pg_current_xact_id()::text").fetch_one(conn).await?;
    parse_xid(&xid)
}

fn parse_xid(value: &str) -> Result<u64, Error> {
    value.parse::<u64>().map_err(|_| Error::InvalidInput(format!("unexpected transaction id {value:?}")))
}

/// Advances the sync state over a batch and returns the leads to re-read.
/// A seq skipped over becomes a gap, because its transaction may still commit.
/// A gap is read on every pass until every transaction that was running when
/// it was found has ended. After that, nothing more can appear in it.
fn apply_to_state(state: &mut SyncState, seen_in_gaps: &mut BTreeSet<i64>, batch: &OutboxBatch) -> BTreeSet<i64> {
    let mut changed = BTreeSet::new();
    for (seq, lead_id) in &batch.in_gaps {
        if seen_in_gaps.insert(*seq) {
            changed.insert(*lead_id);
        }
    }
    let mut expected = state.applied_seq + 1;
    for (seq, lead_id) in &batch.after {
        if *seq > expected {
            // Without a horizon nothing is known to have ended: wait forever
            // rather than skip (read_outbox always supplies one here).
            state.gaps.push(Gap { from: expected, to: seq - 1, horizon: batch.horizon.unwrap_or(u64::MAX) });
        }
        expected = seq + 1;
        changed.insert(*lead_id);
    }
    if let Some((last, _)) = batch.after.last() {
        state.applied_seq = *last;
    }
    // Every transaction up to the horizon has ended: the gap is final.
    state.gaps.retain(|gap| gap.horizon >= batch.xmin);
    if state.gaps.len() > MAX_GAPS {
        state.gaps = merge_gaps(std::mem::take(&mut state.gaps));
    }
    let gaps = &state.gaps;
    seen_in_gaps.retain(|seq| gaps.iter().any(|gap| (gap.from..=gap.to).contains(seq)));
    changed
}

/// Halves the number of gaps by joining neighbours; a joined gap covers both
/// and waits for the later horizon.
fn merge_gaps(gaps: Vec<Gap>) -> Vec<Gap> {
    gaps.chunks(2)
        .map(|pair| match pair {
            [first, second] => Gap { from: first.from, to: second.to, horizon: first.horizon.max(second.horizon) },
            [single] => single.clone(),
            _ => unreachable!("chunks of two"),
        })
        .collect()
}

/// Returns the generation `CURRENT` names, if any.
pub fn current_generation(root: &Path) -> Option<String> {
    let name = std::fs::read_to_string(root.join(CURRENT_FILE)).ok()?;
    let name = name.trim();
    (name.starts_with("gen-") && !name.contains(['/', '\\'])).then(|| name.to_string())
}

fn write_current(root: &Path, generation: &str) -> Result<(), Error> {
    let io = |context: String| move |source| Error::Io { context, source };
    // Each build stages its own file, so two builds never interleave writes.
    let staged = root.join(format!("{CURRENT_FILE}.{generation}.tmp"));
    std::fs::write(&staged, format!("{generation}\n")).map_err(io(format!("cannot write {}", staged.display())))?;
    std::fs::rename(&staged, root.join(CURRENT_FILE)).map_err(io(format!("cannot replace {}", root.join(CURRENT_FILE).display())))
}

/// Removes the generations older than `keep`, on a blocking thread. Newer
/// ones belong to a rebuild that finished meanwhile; builds still running
/// sit in `building-…` folders, which are left alone.
async fn remove_older_generations(root: &Path, keep: &str) {
    let (root, keep) = (root.to_path_buf(), keep.to_string());
    let _ = tokio::task::spawn_blocking(move || {
        let Ok(entries) = std::fs::read_dir(&root) else { return };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with("gen-") && name.as_str() < keep.as_str() {
                match std::fs::remove_dir_all(entry.path()) {
                    Ok(()) => tracing::info!(generation = %name, "removed an old search index"),
                    Err(error) => tracing::warn!(%error, generation = %name, "cannot remove an old search index"),
                }
            }
        }
    })
    .await;
}

/// Builds a new generation from PostgreSQL and makes it current. Everything
/// is read in one snapshot; the outbox position of that snapshot goes into
/// the commit, so following resumes exactly after it. `progress` hears the
/// leads indexed so far and the total.
pub async fn build_generation(
    pool: &PgPool,
    root: &Path,
    progress: impl Fn(u64, u64) + Send + 'static,
) -> Result<String, Error> {
    std::fs::create_dir_all(root).map_err(|source| Error::Io {
        context: format!("cannot create the search index directory {}", root.display()),
        source,
    })?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%6f");
    let generation = format!("gen-{stamp}");
    // Built under another name, so nothing takes a half-built index for one.
    let building = root.join(format!("building-{stamp}-{}", std::process::id()));
    std::fs::create_dir_all(&building)
        .map_err(|source| Error::Io { context: format!("cannot create {}", building.display()), source })?;
    let started = Instant::now();

    let built = build_into(pool, &building, progress).await;
    let indexed = match built {
        Ok(indexed) => indexed,
        Err(error) => {
            let _ = std::fs::remove_dir_all(&building);
            return Err(error);
        }
    };
    let dir = root.join(&generation);
    std::fs::rename(&building, &dir)
        .map_err(|source| Error::Io { context: format!("cannot rename {} to {}", building.display(), dir.display()), source })?;
    write_current(root, &generation)?;
    tracing::info!(%generation, leads = indexed, seconds = started.elapsed().as_secs_f64(), "search index built");
    Ok(generation)
}

async fn build_into(pool: &PgPool, dir: &Path, progress: impl Fn(u64, u64) + Send + 'static) -> Result<u64, Error> {
    let index: Index = search_index::create(dir)?;
    let fields = Fields::of(&index.schema())?;
    let writer: IndexWriter = index.writer_with_num_threads(REBUILD_THREADS, WRITER_MEMORY)?;

    let mut tx = pool.begin().await?;
    sqlx::query("set transaction isolation level repeatable read, read only").execute(&mut *tx).await?;
    snapshot_xmin(&mut tx).await?;
    let horizon = assigned_xid(&mut tx).await?;
    let database = database_identity(&mut tx).await?;
    let state = outbox_position(&mut tx, horizon, database).await?;
    let total = leads::count_all(&mut tx).await?;
    progress(0, total);

    // Documents go to the writer from a blocking thread: adding one may wait
    // for the indexing threads, which must not stall the async runtime.
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Lead>(4_096);
    let indexing = tokio::task::spawn_blocking(move || -> Result<(IndexWriter, u64), Error> {
        let mut indexed = 0u64;
        let mut reported = Instant::now();
        while let Some(lead) = receiver.blocking_recv() {
            writer.add_document(fields.document(&lead))?;
            indexed += 1;
            if reported.elapsed() >= Duration::from_secs(2) {
                tracing::info!(indexed, total, "building the search index");
                progress(indexed, total);
                reported = Instant::now();
            }
        }
        progress(indexed, total);
        Ok((writer, indexed))
    });
    let streamed: Result<(), Error> = async {
        let mut rows = leads::stream_for_index(&mut tx);
        while let Some(lead) = rows.try_next().await? {
            if sender.send(lead).await.is_err() {
                break;
            }
        }
        Ok(())
    }
    .await;
    drop(sender);
    let (mut writer, indexed) =
        indexing.await.map_err(|error| Error::Unavailable(format!("indexing stopped: {error}")))??;
    streamed?;
    tx.commit().await?;
    tokio::task::spawn_blocking(move || -> Result<(), Error> {
        search_index::commit(&mut writer, &state)?;
        writer.wait_merging_threads()?;
        Ok(())
    })
    .await
    .map_err(|error| Error::Unavailable(format!("the index commit did not finish: {error}")))??;
    Ok(indexed)
}

/// Computes the outbox position a snapshot reflects: its highest seq, and every seq
/// below it that the snapshot cannot see, as gaps that wait for the
/// transactions running at the time.
async fn outbox_position(conn: &mut PgConnection, horizon: u64, database: String) -> Result<SyncState, Error> {
    let (first, last): (Option<i64>, Option<i64>) =
        sqlx::query_as("select min(seq), max(seq) from search_outbox").fetch_one(&mut *conn).await?;
    let Some(last) = last else { return Ok(SyncState { database, ..SyncState::default() }) };
    let holes: Vec<(i64, i64)> = sqlx::query_as(
        "select seq + 1, next_seq - 1 from (select seq, lead(seq) over (order by seq) as next_seq from search_outbox) s \
         where next_seq > seq + 1",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut gaps: Vec<Gap> = Vec::new();
    if let Some(first) = first.filter(|first| *first > 1) {
        gaps.push(Gap { from: 1, to: first - 1, horizon });
    }
    gaps.extend(holes.into_iter().map(|(from, to)| Gap { from, to, horizon }));
    while gaps.len() > MAX_GAPS {
        gaps = merge_gaps(gaps);
    }
    Ok(SyncState { applied_seq: last, gaps, database })
}

/// Reads the identity of the database an index follows.
async fn database_identity(conn: &mut PgConnection) -> Result<String, Error> {
    Ok(sqlx::query_scalar("select id::text from leadbase_database").fetch_one(conn).await?)
}

/// One page of an Advanced Search, with the total and why each lead matched.
pub struct SearchPage {
    pub leads: Vec<Lead>,
    pub hits: Vec<SearchHit>,
    pub total: u64,
    pub page: u32,
    pub size: u32,
    pub has_next: bool,
}

impl SearchPage {
    /// Returns the page as table rows.
    pub fn rows(&self) -> Rows<LeadSummary> {
        Rows { items: self.leads.iter().map(LeadSummary::from).collect(), page: self.page, size: self.size, has_next: self.has_next }
    }
}

/// Parses a view's search and its scope; the error names the value at fault.
fn prepare(view: &LeadView) -> Result<(ParsedQuery, SearchScope), Error> {
    let text = view.filter.query.as_deref().unwrap_or_default();
    let parsed = search_text::parse_query(text).map_err(|error| Error::InvalidInput(format!("invalid q {:?}: {error}", text.trim())))?;
    view.filter.validate().map_err(|error| Error::InvalidInput(error.to_string()))?;
    let (created_from, created_to) = leads::created_bounds(&view.filter)?;
    let scope = SearchScope { source_id: view.filter.source_id, statuses: view.filter.statuses.clone(), created_from, created_to };
    Ok((parsed, scope))
}

/// Runs a view's Advanced Search: one page of leads in order of relevance,
/// read back from PostgreSQL, with the total from the index.
pub async fn search_page(pool: &PgPool, service: &SearchService, view: &LeadView) -> Result<SearchPage, Error> {
    let (parsed, scope) = prepare(view)?;
    let size = u64::from(view.page.size);
    let offset = u64::from(view.page.page.saturating_sub(1)) * size;
    if offset >= MAX_SEARCH_RESULTS {
        return Err(Error::InvalidInput(format!(
            "invalid page {}: a search shows its first {} matches; narrow it with more words or filters",
            view.page.page,
            crate::format::thousands(MAX_SEARCH_RESULTS)
        )));
    }
    let (mut hits, total) = service.search(parsed.clone(), scope, offset as usize, size as usize + 1).await?;
    // The last page a search shows ends at its result window.
    let has_next = hits.len() as u64 > size && offset + size < MAX_SEARCH_RESULTS;
    hits.truncate(size as usize);
    let ids: Vec<i64> = hits.iter().map(|hit| hit.lead_id).collect();
    // A lead deleted since the index last caught up is left out.
    let found = leads::by_ids(pool, &ids).await?;
    let scores: std::collections::HashMap<i64, f32> = hits.iter().map(|hit| (hit.lead_id, hit.score)).collect();
    let explained = found
        .iter()
        .map(|lead| SearchHit { lead_id: lead.id, score: scores.get(&lead.id).copied().unwrap_or(0.0), matched: explain(&parsed, lead) })
        .collect();
    Ok(SearchPage { leads: found, hits: explained, total, page: view.page.page, size: view.page.size, has_next })
}

/// Counts the matches of a view's Advanced Search.
pub async fn search_count(service: &SearchService, view: &LeadView) -> Result<u64, Error> {
    let (parsed, scope) = prepare(view)?;
    let (_, total) = service.search(parsed, scope, 0, 0).await?;
    Ok(total)
}

/// Finds the leads right before and after a lead in a search's order, for
/// previous/next on the detail view opened from search results. Looks one
/// page either side of the page in the view, which covers stepping from any
/// row of that page past its ends.
pub async fn search_neighbours(service: &SearchService, id: i64, view: &LeadView) -> Result<Neighbours, Error> {
    let (parsed, scope) = prepare(view)?;
    let size = u64::from(view.page.size);
    let start = (u64::from(view.page.page.saturating_sub(1)) * size).saturating_sub(size).min(MAX_SEARCH_RESULTS);
    let (hits, _) = service.search(parsed, scope, start as usize, 3 * size as usize).await?;
    let Some(position) = hits.iter().position(|hit| hit.lead_id == id) else {
        return Ok(Neighbours::default());
    };
    Ok(Neighbours {
        previous: position.checked_sub(1).map(|before| hits[before].lead_id),
        next: hits.get(position + 1).map(|hit| hit.lead_id),
    })
}

/// Explains which of a lead's values matched.
pub fn explain(query: &ParsedQuery, lead: &Lead) -> Vec<crate::model::MatchedField> {
    let mut fields = Vec::new();
    if let serde_json::Value::Object(map) = &lead.fields {
        for (key, value) in map {
            let mut text = Vec::new();
            search_index::collect_field_values(value, &mut |part| text.push(part.to_string()));
            if !text.is_empty() {
                fields.push((key.clone(), text.join(", ")));
            }
        }
    }
    let values = SearchableValues {
        name: lead.full_name(),
        email: lead.email.as_deref(),
        phone: lead.phone.as_deref(),
        status: lead.status.label(),
        source: &lead.source_name,
        ip: lead.ip.as_deref(),
        user_agent: lead.user_agent.as_deref(),
        fields,
    };
    search_text::explain_match(query, &values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(after: &[i64], in_gaps: &[i64], xmin: u64, horizon: u64) -> OutboxBatch {
        OutboxBatch {
            after: after.iter().map(|seq| (*seq, seq * 10)).collect(),
            in_gaps: in_gaps.iter().map(|seq| (*seq, seq * 10)).collect(),
            xmin,
            horizon: Some(horizon),
        }
    }

    #[test]
    fn skipped_seqs_wait_until_their_transactions_end() {
        let mut state = SyncState { applied_seq: 3, ..SyncState::default() };
        let mut seen = BTreeSet::new();
        // Seq 5 is taken by a transaction still running; this follower's own
        // id, assigned after the snapshot, is 105.
        let changed = apply_to_state(&mut state, &mut seen, &batch(&[4, 6], &[], 100, 105));
        assert_eq!(changed.into_iter().collect::<Vec<_>>(), vec![40, 60]);
        assert_eq!(state.applied_seq, 6);
        assert_eq!(state.gaps, vec![Gap { from: 5, to: 5, horizon: 105 }]);

        // It commits: applied once, and the gap stays while a transaction up
        // to the horizon may still run.
        let changed = apply_to_state(&mut state, &mut seen, &batch(&[], &[5], 104, 110));
        assert_eq!(changed.into_iter().collect::<Vec<_>>(), vec![50]);
        let changed = apply_to_state(&mut state, &mut seen, &batch(&[], &[5], 105, 110));
        assert!(changed.is_empty(), "a gap row is applied once");
        assert_eq!(state.gaps.len(), 1);

        // Every transaction up to the horizon has ended: the gap closes.
        apply_to_state(&mut state, &mut seen, &batch(&[7], &[5], 106, 112));
        assert!(state.gaps.is_empty());
        assert!(seen.is_empty());
        assert_eq!(state.applied_seq, 7);
    }

    #[test]
    fn rolled_back_seq_gap_closes() {
        let mut state = SyncState::default();
        let mut seen = BTreeSet::new();
        apply_to_state(&mut state, &mut seen, &batch(&[1, 4], &[], 200, 201));
        assert_eq!(state.gaps, vec![Gap { from: 2, to: 3, horizon: 201 }]);
        // Nothing appears in the gap; the next pass starts after the horizon.
        apply_to_state(&mut state, &mut seen, &batch(&[], &[], 202, 0));
        assert!(state.gaps.is_empty());
        assert_eq!(state.applied_seq, 4);
    }

    #[test]
    fn many_gaps_merge_into_fewer() {
        let gaps: Vec<Gap> = (0..5).map(|index| Gap { from: index * 10, to: index * 10 + 1, horizon: index as u64 }).collect();
        let merged = merge_gaps(gaps);
        assert_eq!(merged.len(), 3);
        assert_eq!(merged[0], Gap { from: 0, to: 11, horizon: 1 });
        assert_eq!(merged[2], Gap { from: 40, to: 41, horizon: 4 });
    }
}
