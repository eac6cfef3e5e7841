//! Deterministic demo data: several sources with their own custom fields, names
//! from several locales, many phone formats, status histories and distribution
//! attempts. The same seed and lead count always produce the same rows.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::distributions::{Distribution, WeightedIndex};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};
use sqlx::{PgConnection, PgPool};

use app::backend::Error;
use app::format::thousands;
use app::model::LeadStatus;

/// Leads generated and sent per COPY statement; bounds memory for large seeds.
const CHUNK_LEADS: u64 = 50_000;
/// From this many leads on, secondary indexes are dropped during the load and
/// rebuilt afterwards: one bulk build is much faster than a million inserts into
/// trigram indexes.
const REBUILD_INDEXES_FROM: u64 = 50_000;

/// Options of `leadbase seed`.
#[derive(Clone, Copy, Debug)]
pub struct SeedOptions {
    pub leads: u64,
    pub seed: u64,
    pub if_empty: bool,
}

struct DemoSource {
    name: &'static str,
    /// API key name recorded as the creator of its leads.
    intake: &'static str,
    /// Share of all leads, in percent.
    weight: u32,
    /// Locales its people come from, with weights.
    locales: &'static [(Locale, u32)],
    fields: fn(&mut ChaCha8Rng) -> Map<String, Value>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Locale {
    English,
    Spanish,
    German,
    French,
    Polish,
    Greek,
    Russian,
    Chinese,
    Japanese,
    Arabic,
}

/// Given names and family names as written, each with an ASCII form for emails.
fn names(locale: Locale) -> (&'static [(&'static str, &'static str)], &'static [(&'static str, &'static str)]) {
    match locale {
        Locale::English => (
            &[("James", "james"), ("Mary", "mary"), ("John", "john"), ("Patricia", "patricia"), ("Robert", "robert"), ("Jennifer", "jennifer"), ("Michael", "michael"), ("Linda", "linda"), ("Chris", "chris"), ("Emily", "emily"), ("Kim", "kim"), ("Ashley", "ashley")],
            &[("Smith", "smith"), ("Johnson", "johnson"), ("Williams", "williams"), ("Brown", "brown"), ("Jones", "jones"), ("Miller", "miller"), ("Davis", "davis"), ("Park", "park"), ("O'Brien", "obrien"), ("Taylor", "taylor"), ("Anderson", "anderson"), ("Thomas", "thomas")],
        ),
        Locale::Spanish => (
            &[("José", "jose"), ("María", "maria"), ("Diego", "diego"), ("Lucía", "lucia"), ("Andrés", "andres"), ("Sofía", "sofia"), ("Martín", "martin"), ("Valentina", "valentina")],
            &[("Díaz", "diaz"), ("Ramos", "ramos"), ("García", "garcia"), ("Fernández", "fernandez"), ("López", "lopez"), ("Martínez", "martinez"), ("Núñez", "nunez"), ("Peña", "pena")],
        ),
        Locale::German => (
            &[("Zoë", "zoe"), ("Jürgen", "juergen"), ("Lena", "lena"), ("Björn", "bjoern"), ("Anja", "anja"), ("Günther", "guenther")],
            &[("Müller", "mueller"), ("Schröder", "schroeder"), ("Weiß", "weiss"), ("Köhler", "koehler"), ("Becker", "becker"), ("Hoffmann", "hoffmann")],
        ),
        Locale::French => (
            &[("Émilie", "emilie"), ("François", "francois"), ("Chloé", "chloe"), ("Hélène", "helene"), ("Léo", "leo"), ("Zoé", "zoe")],
            &[("Lefèvre", "lefevre"), ("Dubois", "dubois"), ("Moreau", "moreau"), ("Girard", "girard"), ("Bérénger", "berenger"), ("Roux", "roux")],
        ),
        Locale::Polish => (
            &[("Łukasz", "lukasz"), ("Małgorzata", "malgorzata"), ("Paweł", "pawel"), ("Agnieszka", "agnieszka"), ("Wojciech", "wojciech")],
            &[("Żółw", "zolw"), ("Kowalski", "kowalski"), ("Wiśniewska", "wisniewska"), ("Dąbrowski", "dabrowski"), ("Szczęsny", "szczesny")],
        ),
        Locale::Greek => (
            &[("Γιώργος", "giorgos"), ("Μαρία", "maria"), ("Νίκος", "nikos"), ("Ελένη", "eleni")],
            &[("Παπαδόπουλος", "papadopoulos"), ("Κωνσταντίνου", "konstantinou"), ("Νικολάου", "nikolaou")],
        ),
        Locale::Russian => (
            &[("Иван", "ivan"), ("Анна", "anna"), ("Дмитрий", "dmitry"), ("Ольга", "olga"), ("Сергей", "sergey")],
            &[("Петров", "petrov"), ("Иванова", "ivanova"), ("Смирнов", "smirnov"), ("Кузнецова", "kuznetsova")],
        ),
        Locale::Chinese => (
            &[("伟", "wei"), ("芳", "fang"), ("秀英", "xiuying"), ("强", "qiang"), ("静", "jing")],
            &[("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen")],
        ),
        Locale::Japanese => (
            &[("花子", "hanako"), ("翔太", "shota"), ("さくら", "sakura"), ("大輔", "daisuke")],
            &[("佐藤", "sato"), ("鈴木", "suzuki"), ("高橋", "takahashi"), ("田中", "tanaka")],
        ),
        Locale::Arabic => (
            &[("محمد", "mohamed"), ("فاطمة", "fatima"), ("أحمد", "ahmed"), ("ليلى", "layla")],
            &[("العلي", "alali"), ("حسن", "hassan"), ("منصور", "mansour"), ("خليل", "khalil")],
        ),
    }
}

fn email_domains(locale: Locale) -> &'static [&'static str] {
    match locale {
        Locale::English => &["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "aol.com"],
        Locale::Spanish => &["gmail.com", "hotmail.es", "yahoo.es", "outlook.com"],
        Locale::German => &["gmx.de", "web.de", "t-online.de", "gmail.com"],
        Locale::French => &["orange.fr", "free.fr", "laposte.net", "gmail.com"],
        Locale::Polish => &["wp.pl", "onet.pl", "o2.pl", "gmail.com"],
        Locale::Greek => &["gmail.com", "yahoo.gr", "otenet.gr"],
        Locale::Russian => &["yandex.ru", "mail.ru", "gmail.com"],
        Locale::Chinese => &["qq.com", "163.com", "gmail.com"],
        Locale::Japanese => &["yahoo.co.jp", "docomo.ne.jp", "gmail.com"],
        Locale::Arabic => &["gmail.com", "hotmail.com", "yahoo.com"],
    }
}

/// Generates a plausible phone number in one of the formats people type in that locale.
fn random_digits(rng: &mut ChaCha8Rng, count: usize) -> String {
    (0..count).map(|_| char::from(b'0' + rng.gen_range(0..10u8))).collect()
}

fn phone(rng: &mut ChaCha8Rng, locale: Locale) -> String {
    match locale {
        Locale::English => {
            let (area, exchange, line) = (format!("{}", rng.gen_range(201..990)), random_digits(rng, 3), random_digits(rng, 4));
            match rng.gen_range(0..6) {
                0 => format!("({area}) {exchange}-{line}"),
                1 => format!("+1 {area}-{exchange}-{line}"),
                2 => format!("{area}.{exchange}.{line}"),
                3 => format!("{area}{exchange}{line}"),
                4 => format!("+1 ({area}) {exchange} {line}"),
                _ => format!("1-{area}-{exchange}-{line}"),
            }
        }
        Locale::Spanish => format!("+34 6{} {} {}", random_digits(rng, 2), random_digits(rng, 3), random_digits(rng, 3)),
        Locale::German => {
            if rng.gen_bool(0.5) {
                format!("+49 30 {}", random_digits(rng, 8))
            } else {
                format!("0151 {}", random_digits(rng, 8))
            }
        }
        Locale::French => format!("+33 6 {} {} {} {}", random_digits(rng, 2), random_digits(rng, 2), random_digits(rng, 2), random_digits(rng, 2)),
        Locale::Polish => format!("+48 5{} {} {}", random_digits(rng, 2), random_digits(rng, 3), random_digits(rng, 3)),
        Locale::Greek => format!("+30 69{} {} {}", random_digits(rng, 1), random_digits(rng, 3), random_digits(rng, 4)),
        Locale::Russian => format!("+7 9{} {}-{}-{}", random_digits(rng, 2), random_digits(rng, 3), random_digits(rng, 2), random_digits(rng, 2)),
        Locale::Chinese => format!("+86 13{} {} {}", random_digits(rng, 1), random_digits(rng, 4), random_digits(rng, 4)),
        Locale::Japanese => format!("+81 90-{}-{}", random_digits(rng, 4), random_digits(rng, 4)),
        Locale::Arabic => format!("+20 10{} {} {}", random_digits(rng, 1), random_digits(rng, 3), random_digits(rng, 4)),
    }
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

fn zip(rng: &mut ChaCha8Rng) -> Value {
    Value::String(format!("{:05}", rng.gen_range(1001..99951)))
}

fn facebook_fields(rng: &mut ChaCha8Rng) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("utm_source".into(), "facebook".into());
    fields.insert("utm_campaign".into(), (*pick(rng, &["spring-sale-2024", "summer-promo-2024", "q3-retargeting", "lookalike-2pct"])).into());
    fields.insert("ad_set".into(), format!("adset-{}", rng.gen_range(100..140)).into());
    fields.insert("form_id".into(), format!("{}", rng.gen_range(100_000_000_000u64..999_999_999_999)).into());
    fields.insert("tcpa_consent".into(), "yes".into());
    fields
}

fn auto_insurance_fields(rng: &mut ChaCha8Rng) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("vehicle_year".into(), rng.gen_range(2005..2026).to_string().into());
    fields.insert("vehicle_make".into(), (*pick(rng, &["Toyota", "Ford", "Honda", "Chevrolet", "Tesla", "Subaru", "BMW"])).into());
    fields.insert("current_insurer".into(), (*pick(rng, &["GEICO", "Progressive", "State Farm", "Allstate", "none"])).into());
    fields.insert("zip".into(), zip(rng));
    fields.insert("gclid".into(), format!("Cj0KCQ{:x}", rng.gen::<u64>()).into());
    fields
}

fn solar_fields(rng: &mut ChaCha8Rng) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("monthly_bill".into(), format!("${}", rng.gen_range(60..450)).into());
    fields.insert("roof_type".into(), (*pick(rng, &["asphalt shingle", "metal", "tile", "flat"])).into());
    fields.insert("homeowner".into(), (*pick(rng, &["yes", "yes", "yes", "no"])).into());
    fields.insert("utility".into(), (*pick(rng, &["PG&E", "Duke Energy", "ConEd", "SCE", "Xcel"])).into());
    fields.insert("zip".into(), zip(rng));
    fields.insert("trustedform_cert_url".into(), format!("https://cert.trustedform.example/{:016x}", rng.gen::<u64>()).into());
    fields
}

fn mortgage_fields(rng: &mut ChaCha8Rng) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("loan_amount".into(), (rng.gen_range(80..900) * 1_000).to_string().into());
    fields.insert("credit_score_range".into(), (*pick(rng, &["500-579", "580-669", "670-739", "740-799", "800+"])).into());
    fields.insert("property_type".into(), (*pick(rng, &["single family", "condo", "townhouse", "multi-family"])).into());
    fields.insert("state".into(), (*pick(rng, &["CA", "TX", "FL", "NY", "AZ", "WA", "OH"])).into());
    fields.insert("landing_page".into(), format!("https://refi.example.com/lp/{}", pick(rng, &["rates", "cash-out", "va", "fha"])).into());
    fields
}

fn b2b_fields(rng: &mut ChaCha8Rng) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("company".into(), (*pick(rng, &["Acme Corp", "Globex", "Initech", "Umbrella Health", "Stark Industries", "Wayne Logistics"])).into());
    fields.insert("job_title".into(), (*pick(rng, &["VP Marketing", "Head of Growth", "CTO", "Operations Manager", "Founder"])).into());
    fields.insert("company_size".into(), (*pick(rng, &["1-10", "11-50", "51-200", "201-1000", "1000+"])).into());
    fields.insert("industry".into(), (*pick(rng, &["SaaS", "Healthcare", "Retail", "Logistics", "Finance"])).into());
    fields
}

fn europe_fields(rng: &mut ChaCha8Rng) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("country".into(), (*pick(rng, &["DE", "FR", "ES", "PL", "GR"])).into());
    fields.insert("language".into(), (*pick(rng, &["de", "fr", "es", "pl", "el", "en"])).into());
    fields.insert("consent_text".into(), "Ich willige ein, dass meine Daten zur Kontaktaufnahme genutzt werden.".into());
    fields.insert("gdpr_consent".into(), "true".into());
    fields.insert("product".into(), (*pick(rng, &["Ratenkredit", "crédit conso", "préstamo", "kredyt gotówkowy"])).into());
    fields
}

const US_LOCALES: &[(Locale, u32)] = &[(Locale::English, 80), (Locale::Spanish, 12), (Locale::Chinese, 4), (Locale::Arabic, 2), (Locale::Russian, 2)];
const GLOBAL_LOCALES: &[(Locale, u32)] = &[
    (Locale::English, 40), (Locale::Spanish, 12), (Locale::German, 10), (Locale::French, 8), (Locale::Polish, 6),
    (Locale::Greek, 4), (Locale::Russian, 6), (Locale::Chinese, 6), (Locale::Japanese, 5), (Locale::Arabic, 3),
];
const EUROPE_LOCALES: &[(Locale, u32)] = &[(Locale::German, 30), (Locale::French, 25), (Locale::Spanish, 20), (Locale::Polish, 15), (Locale::Greek, 10)];

const SOURCES: &[DemoSource] = &[
    DemoSource { name: "Facebook Q3 Campaign", intake: "facebook-lead-ads", weight: 35, locales: GLOBAL_LOCALES, fields: facebook_fields },
    DemoSource { name: "Google Ads – Auto Insurance", intake: "google-ads-webhook", weight: 25, locales: US_LOCALES, fields: auto_insurance_fields },
    DemoSource { name: "SolarWorks Partner Feed", intake: "solarworks-feed", weight: 15, locales: US_LOCALES, fields: solar_fields },
    DemoSource { name: "Mortgage Refi Landing Page", intake: "refi-landing-form", weight: 12, locales: US_LOCALES, fields: mortgage_fields },
    DemoSource { name: "LinkedIn Lead Gen – B2B SaaS", intake: "linkedin-forms", weight: 8, locales: GLOBAL_LOCALES, fields: b2b_fields },
    DemoSource { name: "Europe Consumer Finance", intake: "eu-finance-partner", weight: 5, locales: EUROPE_LOCALES, fields: europe_fields },
];

const USER_AGENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
];

/// Outcomes of the successive posts of a lead that ended Sold.
const SOLD_ATTEMPTS: &[&[&str]] = &[&["accepted"], &["rejected", "accepted"], &["error", "rejected", "accepted"]];
/// Outcomes of the successive posts of a lead that ended Rejected.
const REJECTED_ATTEMPTS: &[&[&str]] = &[&["rejected"], &["rejected", "rejected"]];

const BUYERS: &[(&str, &str)] = &[
    ("Apex Insurance Group", "https://api.apex-insurance.example/v2/leads"),
    ("BlueSky Solar", "https://leads.blueskysolar.example/inbound"),
    ("Crest Mortgage", "https://crest-mortgage.example/api/ping-post"),
    ("Delta Auto Leads", "https://delta-auto.example/post"),
    ("Evergreen Finance", "https://evergreen-finance.example/leads/v1"),
    ("Northstar Media", "https://northstar.example/api/leads"),
];

/// Fills an empty database with `options.leads` demo leads and returns a summary.
pub async fn seed(pool: &PgPool, options: SeedOptions) -> Result<String, Error> {
    let has_leads: bool = sqlx::query_scalar("select exists (select 1 from leads)").fetch_one(pool).await?;
    if has_leads {
        if options.if_empty {
            return Ok("The database already has leads; nothing seeded.".to_string());
        }
        return Err(Error::InvalidInput(
            "the database already has leads: seed fills an empty database only; point DATABASE_URL at a new database".to_string(),
        ));
    }
    let started = std::time::Instant::now();
    tracing::info!(leads = options.leads, seed = options.seed, "seeding demo data");

    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let anchor = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).single().unwrap_or_default();

    let mut tx = pool.begin().await?;
    sqlx::query("set local maintenance_work_mem = '512MB'").execute(&mut *tx).await?;

    let mut source_ids = Vec::with_capacity(SOURCES.len());
    for (index, source) in SOURCES.iter().enumerate() {
        let created_at = anchor - Duration::days(760 - 30 * index as i64);
        let id: i64 = sqlx::query_scalar("insert into sources (name, created_at) values ($1, $2) returning id")
            .bind(source.name)
            .bind(created_at)
            .fetch_one(&mut *tx)
            .await?;
        source_ids.push(id);
    }

    let rebuild = options.leads >= REBUILD_INDEXES_FROM;
    let dropped = if rebuild { drop_secondary_indexes(&mut tx).await? } else { Vec::new() };

    let source_weights = WeightedIndex::new(SOURCES.iter().map(|source| source.weight)).map_err(invalid_weights)?;
    let mut counts = Counts::default();
    let mut next_id: i64 = 1;
    let mut remaining = options.leads;
    while remaining > 0 {
        let chunk = remaining.min(CHUNK_LEADS);
        let mut rows = CopyRows::default();
        for _ in 0..chunk {
            let source_index = source_weights.sample(&mut rng);
            generate_lead(&mut rng, &mut rows, &mut counts, next_id, source_ids[source_index], &SOURCES[source_index], anchor)?;
            next_id += 1;
        }
        rows.copy_into(&mut tx).await?;
        remaining -= chunk;
        tracing::info!(done = options.leads - remaining, total = options.leads, "seeded leads");
    }
    if next_id > 1 {
        sqlx::query("select setval(pg_get_serial_sequence('leads', 'id'), $1)").bind(next_id - 1).execute(&mut *tx).await?;
    }

    for (name, definition) in &dropped {
        tracing::info!(index = %name, "rebuilding index");
        sqlx::query(definition).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    sqlx::query("analyze sources, leads, lead_history, distribution_attempts").execute(pool).await?;

    Ok(format!(
        "Seeded {} leads in {} sources, {} history entries and {} distribution attempts in {:.1} s.",
        thousands(options.leads),
        SOURCES.len(),
        thousands(counts.history),
        thousands(counts.attempts),
        started.elapsed().as_secs_f64()
    ))
}

fn invalid_weights(error: rand::distributions::WeightedError) -> Error {
    Error::InvalidInput(format!("invalid demo weights: {error}"))
}

/// Drops every index of `leads` but the primary key and returns each one's name
/// and definition, so the same indexes can be rebuilt after a bulk load.
async fn drop_secondary_indexes(conn: &mut PgConnection) -> Result<Vec<(String, String)>, Error> {
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "select indexname, indexdef from pg_indexes
          where schemaname = current_schema() and tablename = 'leads' and indexname <> 'leads_pkey'
          order by indexname",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (name, _) in &indexes {
        sqlx::query(&format!("drop index \"{}\"", name.replace('"', "\"\""))).execute(&mut *conn).await?;
    }
    Ok(indexes)
}

#[derive(Default)]
struct Counts {
    history: u64,
    attempts: u64,
}

type CsvBuffer = csv::Writer<Vec<u8>>;

fn csv_buffer() -> CsvBuffer {
    csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new())
}

/// CSV text for the three COPY statements of one chunk.
struct CopyRows {
    leads: CsvBuffer,
    history: CsvBuffer,
    attempts: CsvBuffer,
}

impl Default for CopyRows {
    fn default() -> Self {
        CopyRows { leads: csv_buffer(), history: csv_buffer(), attempts: csv_buffer() }
    }
}

impl CopyRows {
    async fn copy_into(self, conn: &mut PgConnection) -> Result<(), Error> {
        let finish = |buffer: CsvBuffer| {
            buffer.into_inner().map_err(|error| Error::InvalidInput(format!("cannot encode demo data: {error}")))
        };
        let statements = [
            ("copy leads (id, source_id, first_name, last_name, email, phone, status, fields, ip, user_agent, created_at, updated_at) from stdin with (format csv)", finish(self.leads)?),
            ("copy lead_history (lead_id, at, kind, from_value, to_value, actor_kind, actor_name, reason) from stdin with (format csv)", finish(self.history)?),
            ("copy distribution_attempts (lead_id, buyer, endpoint_url, request_payload, response_status, response_body, outcome, attempted_at, duration_ms) from stdin with (format csv)", finish(self.attempts)?),
        ];
        for (statement, data) in statements {
            if data.is_empty() {
                continue;
            }
            let mut copy = conn.copy_in_raw(statement).await?;
            copy.send(data).await?;
            copy.finish().await?;
        }
        Ok(())
    }
}

/// Appends one CSV record. Empty optional values become unquoted empty cells,
/// which COPY reads as NULL.
fn push_record(buffer: &mut CsvBuffer, cells: &[Option<&str>]) -> Result<(), Error> {
    buffer.write_record(cells.iter().map(|cell| cell.unwrap_or(""))).map_err(seed_csv_error)
}

fn seed_csv_error(error: csv::Error) -> Error {
    Error::InvalidInput(format!("cannot encode demo data: {error}"))
}

fn rfc3339(timestamp: DateTime<Utc>) -> String {
    timestamp.to_rfc3339()
}

fn generate_lead(
    rng: &mut ChaCha8Rng,
    rows: &mut CopyRows,
    counts: &mut Counts,
    lead_id: i64,
    source_id: i64,
    source: &DemoSource,
    anchor: DateTime<Utc>,
) -> Result<(), Error> {
    let locale_weights = WeightedIndex::new(source.locales.iter().map(|(_, weight)| *weight)).map_err(invalid_weights)?;
    let locale = source.locales[locale_weights.sample(rng)].0;
    let (given, family) = names(locale);
    let (first, first_ascii) = *pick(rng, given);
    let (last, last_ascii) = *pick(rng, family);

    let domain = *pick(rng, email_domains(locale));
    let local = match rng.gen_range(0..5) {
        0 => format!("{first_ascii}.{last_ascii}"),
        1 => format!("{first_ascii}{last_ascii}{}", rng.gen_range(1..100)),
        2 => format!("{}.{last_ascii}", &first_ascii[..1]),
        3 => format!("{first_ascii}_{last_ascii}{}", rng.gen_range(1950..2006)),
        _ => format!("{first_ascii}{}", rng.gen_range(100..10_000)),
    };
    // A few leads come with only one way to reach them.
    let (email, phone) = match rng.gen_range(0..100) {
        0..=2 => (None, Some(phone(rng, locale))),
        3..=12 => (Some(format!("{local}@{domain}")), None),
        _ => (Some(format!("{local}@{domain}")), Some(phone(rng, locale))),
    };

    let status = *pick(rng, &[
        LeadStatus::Active, LeadStatus::Active, LeadStatus::Active, LeadStatus::Active, LeadStatus::Active,
        LeadStatus::Active, LeadStatus::Sold, LeadStatus::Sold, LeadStatus::Duplicate, LeadStatus::Rejected,
        LeadStatus::Suppressed,
    ]);
    let created_at = anchor - Duration::seconds(rng.gen_range(0..730 * 24 * 3600));
    let ip = if rng.gen_bool(0.06) {
        format!("2001:db8:{:x}:{:x}::{:x}", rng.gen::<u16>(), rng.gen::<u16>(), rng.gen::<u16>())
    } else {
        format!("{}.{}.{}.{}", rng.gen_range(24..223), rng.gen::<u8>(), rng.gen::<u8>(), rng.gen_range(1..255))
    };
    let user_agent = *pick(rng, USER_AGENTS);
    let fields = (source.fields)(rng);
    let fields_json = Value::Object(fields.clone()).to_string();

    let id = lead_id.to_string();
    let source_id_text = source_id.to_string();
    let created = rfc3339(created_at);
    push_record(&mut rows.leads, &[
        Some(&id), Some(&source_id_text), Some(first), Some(last), email.as_deref(), phone.as_deref(),
        Some(status.as_str()), Some(&fields_json), Some(&ip), Some(user_agent), Some(&created), Some(&created),
    ])?;

    push_record(&mut rows.history, &[Some(&id), Some(&created), Some("created"), None, Some("active"), Some("api"), Some(source.intake), None])?;
    counts.history += 1;

    let changed_at = created_at + Duration::seconds(rng.gen_range(60..3 * 24 * 3600));
    let change = match status {
        LeadStatus::Active => None,
        LeadStatus::Sold => Some(("system", "distribution engine", "Accepted by buyer")),
        LeadStatus::Duplicate => Some(("system", "duplicate check", "Same email already in source within 30 days")),
        LeadStatus::Rejected => Some(*pick(rng, &[("user", "operator", "Fake name"), ("api", "buyer-feedback", "Disconnected phone")])),
        LeadStatus::Suppressed => Some(("user", "compliance", "Requested removal (do not contact)")),
    };
    if let Some((actor_kind, actor_name, reason)) = change {
        let at = rfc3339(changed_at);
        push_record(&mut rows.history, &[Some(&id), Some(&at), Some("status_changed"), Some("active"), Some(status.as_str()), Some(actor_kind), Some(actor_name), Some(reason)])?;
        counts.history += 1;
    }

    let outcomes: &[&str] = match status {
        LeadStatus::Sold => *pick(rng, SOLD_ATTEMPTS),
        LeadStatus::Rejected => *pick(rng, REJECTED_ATTEMPTS),
        LeadStatus::Active if rng.gen_bool(0.15) => &["error"],
        _ => &[],
    };
    let mut attempted_at = created_at + Duration::seconds(rng.gen_range(1..120));
    for outcome in outcomes {
        let (buyer, endpoint) = *pick(rng, BUYERS);
        let payload = json!({
            "first_name": first,
            "last_name": last,
            "email": email,
            "phone": phone.as_deref().map(|value| value.chars().filter(char::is_ascii_digit).collect::<String>()),
            "ip": ip,
            "source": source.name,
            "fields": fields,
            "price_floor": rng.gen_range(5..40) as f64 + 0.5,
        });
        let (response_status, response_body, duration_ms) = match *outcome {
            "accepted" => (Some(200), json!({"status": "accepted", "buyer_lead_id": format!("{}-{}", &buyer[..3].to_uppercase(), rng.gen_range(100_000..999_999)), "price": rng.gen_range(8..60) as f64 + 0.25}).to_string(), rng.gen_range(80..900)),
            "rejected" => (Some(*pick(rng, &[200, 422])), json!({"status": "rejected", "reason": pick(rng, &["duplicate in buyer system", "outside service area", "credit tier not accepted", "daily cap reached"])}).to_string(), rng.gen_range(60..700)),
            _ => match rng.gen_range(0..2) {
                0 => (Some(503), "Service Unavailable".to_string(), rng.gen_range(20..200)),
                _ => (None, "timed out after 10000 ms".to_string(), 10_000),
            },
        };
        let status_text = response_status.map(|code: i32| code.to_string());
        let at = rfc3339(attempted_at);
        let duration = duration_ms.to_string();
        push_record(&mut rows.attempts, &[
            Some(&id), Some(buyer), Some(endpoint), Some(&payload.to_string()), status_text.as_deref(),
            Some(&response_body), Some(outcome), Some(&at), Some(&duration),
        ])?;
        counts.attempts += 1;
        attempted_at += Duration::seconds(rng.gen_range(30..600));
    }
    Ok(())
}
