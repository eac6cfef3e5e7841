//! `leadbase import`: header mapping, encodings, delimiters and row errors,
//! against a real PostgreSQL database.

mod common;

use serde_json::json;
use sqlx::PgPool;

use leadbase::leads_csv::import_reader;

#[derive(Debug, sqlx::FromRow)]
struct StoredLead {
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    status: String,
    fields: serde_json::Value,
    ip: Option<String>,
    user_agent: Option<String>,
    created_at: chrono::DateTime<chrono::Utc>,
}

async fn stored_leads(pool: &PgPool, source_name: &str) -> Vec<StoredLead> {
    sqlx::query_as(
        "select l.first_name, l.last_name, l.email, l.phone, l.status::text as status, l.fields,
                host(l.ip) as ip, l.user_agent, l.created_at
           from leads l join sources s on s.id = l.source_id
          where s.name = $1
          order by l.id",
    )
    .bind(source_name)
    .fetch_all(pool)
    .await
    .expect("leads readable")
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn import_maps_known_headers_case_insensitively(pool: PgPool) {
    let csv = "FIRST_NAME,Last Name,E-mail,Phone Number,Status,Created_At,IP Address,user_agent,Source Form\n\
               Ada,Lovelace,ada@example.com,+44 20 7946 0958,SOLD,2024-03-10 14:05:00,203.0.113.7,Mozilla/5.0,x\n";
    let report = import_reader(&pool, "Facebook Q3", csv.as_bytes()).await.expect("import runs");

    assert_eq!(report.imported, 1);
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    let leads = stored_leads(&pool, "Facebook Q3").await;
    let lead = &leads[0];
    assert_eq!(lead.first_name.as_deref(), Some("Ada"));
    assert_eq!(lead.last_name.as_deref(), Some("Lovelace"));
    assert_eq!(lead.email.as_deref(), Some("ada@example.com"));
    assert_eq!(lead.phone.as_deref(), Some("+44 20 7946 0958"));
    assert_eq!(lead.status, "sold");
    assert_eq!(lead.ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(lead.user_agent.as_deref(), Some("Mozilla/5.0"));
    assert_eq!(lead.created_at.to_rfc3339(), "2024-03-10T14:05:00+00:00");
    assert_eq!(lead.fields, json!({"Source Form": "x"}), "unknown headers become custom fields");
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn import_keeps_other_columns_as_custom_fields(pool: PgPool) {
    let csv = "email,utm_campaign,Budget ($),empty_one\n\
               a@example.com,spring-sale-2024,10k,\n\
               b@example.com,,5k,\n";
    import_reader(&pool, "Custom", csv.as_bytes()).await.expect("import runs");

    let leads = stored_leads(&pool, "Custom").await;
    assert_eq!(leads[0].fields, json!({"utm_campaign": "spring-sale-2024", "Budget ($)": "10k"}));
    assert_eq!(leads[1].fields, json!({"Budget ($)": "5k"}));
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn import_strips_bom_and_reads_semicolons(pool: PgPool) {
    let mut csv = vec![0xEF, 0xBB, 0xBF];
    csv.extend_from_slice("email;name;city\nzoe@example.de;Zoë Müller;München\n".as_bytes());
    let report = import_reader(&pool, "Semicolons", csv.as_slice()).await.expect("import runs");

    assert_eq!(report.imported, 1);
    let leads = stored_leads(&pool, "Semicolons").await;
    assert_eq!(leads[0].email.as_deref(), Some("zoe@example.de"));
    assert_eq!(leads[0].first_name.as_deref(), Some("Zoë"));
    assert_eq!(leads[0].last_name.as_deref(), Some("Müller"));
    assert_eq!(leads[0].fields, json!({"city": "München"}));
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn import_keeps_quoted_newlines(pool: PgPool) {
    let csv = "email,notes\r\na@example.com,\"line one\n\"\"quoted\"\"\"\r\nb@example.com,plain\r\n";
    let report = import_reader(&pool, "Quoted", csv.as_bytes()).await.expect("import runs");

    assert_eq!(report.imported, 2);
    let leads = stored_leads(&pool, "Quoted").await;
    assert_eq!(leads[0].fields, json!({"notes": "line one\n\"quoted\""}));
    assert_eq!(leads[1].fields, json!({"notes": "plain"}));
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn import_reports_bad_rows_and_keeps_the_rest(pool: PgPool) {
    let csv = "email,status,created_at,notes\n\
               good@example.com,active,2024-03-10,\"spans\ntwo lines\"\n\
               not-an-email,active,2024-03-10,\n\
               ok@example.com,won,2024-03-10,\n\
               fine@example.com,sold,10/03/2024,\n\
               last@example.com,,,\n";
    let report = import_reader(&pool, "Mixed", csv.as_bytes()).await.expect("import runs");

    assert_eq!(report.imported, 2);
    assert_eq!(report.rejected.len(), 3);

    let email_error = &report.rejected[0];
    assert_eq!((email_error.row, email_error.line), (3, 4));
    assert_eq!(email_error.column.as_deref(), Some("email"));
    assert_eq!(email_error.value, "not-an-email");
    assert!(email_error.message.contains("invalid email"), "{}", email_error.message);

    let status_error = &report.rejected[1];
    assert_eq!(status_error.row, 4);
    assert_eq!(status_error.column.as_deref(), Some("status"));
    assert_eq!(status_error.value, "won");
    assert!(status_error.message.contains("active, sold"), "{}", status_error.message);

    let date_error = &report.rejected[2];
    assert_eq!(date_error.row, 5);
    assert_eq!(date_error.column.as_deref(), Some("created_at"));
    assert_eq!(date_error.value, "10/03/2024");
    assert!(date_error.message.contains("\"10/03/2024\""), "{}", date_error.message);

    let summary = report.render();
    assert!(summary.contains("Imported 2 leads"), "{summary}");
    assert!(summary.contains("rejected 3 rows."), "{summary}");
    assert!(summary.contains("row 3 (line 4), column email"), "{summary}");

    let leads = stored_leads(&pool, "Mixed").await;
    let emails: Vec<_> = leads.iter().map(|lead| lead.email.as_deref().unwrap_or("")).collect();
    assert_eq!(emails, ["good@example.com", "last@example.com"]);
    assert_eq!(leads[1].status, "active", "a blank status defaults to active");
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn import_rejects_rows_with_wrong_cell_count(pool: PgPool) {
    let csv = "email,phone\na@example.com,5551234567,extra\nb@example.com,5559876543\n";
    let report = import_reader(&pool, "Cells", csv.as_bytes()).await.expect("import runs");

    assert_eq!(report.imported, 1);
    assert_eq!(report.rejected.len(), 1);
    assert!(report.rejected[0].message.contains("3 cells but the header has 2"), "{}", report.rejected[0].message);
    assert_eq!(report.rejected[0].column, None);
    assert!(report.render().contains("row 2 (line 2): row has 3 cells"), "{}", report.render());
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn import_trims_nbsp_from_emails(pool: PgPool) {
    let csv = "email\n\u{00A0}hello@example.com\u{00A0}\n";
    import_reader(&pool, "Trim", csv.as_bytes()).await.expect("import runs");

    let leads = stored_leads(&pool, "Trim").await;
    assert_eq!(leads[0].email.as_deref(), Some("hello@example.com"));
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn import_creates_source_once_and_counts_leads(pool: PgPool) {
    let first = import_reader(&pool, "Facebook Q3", "email\na@example.com\n".as_bytes()).await.expect("first import");
    let second = import_reader(&pool, " facebook q3 ", "email\nb@example.com\nc@example.com\n".as_bytes())
        .await
        .expect("second import");

    assert!(first.source_created);
    assert!(!second.source_created);
    assert_eq!(first.source.id, second.source.id);
    assert_eq!(second.source.lead_count, 3);
    assert_eq!(second.source.name, "Facebook Q3", "the existing name is kept");
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn import_writes_created_history_entries(pool: PgPool) {
    import_reader(&pool, "History", "email,status\na@example.com,sold\n".as_bytes()).await.expect("import runs");

    let entries: Vec<(String, Option<String>, String, String)> =
        sqlx::query_as("select kind, to_value, actor_kind, actor_name from lead_history")
            .fetch_all(&pool)
            .await
            .expect("history readable");
    assert_eq!(entries, [("created".to_string(), Some("sold".to_string()), "system".to_string(), "csv import".to_string())]);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn import_rejects_duplicate_headers_and_writes_nothing(pool: PgPool) {
    let error = import_reader(&pool, "Broken", "email,Email\na@example.com,b@example.com\n".as_bytes())
        .await
        .expect_err("repeated header rejected");

    let message = error.to_string();
    assert!(message.contains("\"Email\" appears twice"), "{message}");
    let sources: i64 = sqlx::query_scalar("select count(*) from sources").fetch_one(&pool).await.expect("count");
    assert_eq!(sources, 0, "a rejected file creates no source");
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn import_requires_an_email_or_phone_column(pool: PgPool) {
    let error = import_reader(&pool, "Names", "first_name,last_name\nAda,Lovelace\n".as_bytes())
        .await
        .expect_err("file without contact columns rejected");
    assert!(error.to_string().contains("no email or phone column"), "{error}");
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn import_rejects_latin1_file_whole(pool: PgPool) {
    let mut csv = b"email,city\nb@example.com,Berlin\na@example.com,".to_vec();
    csv.extend_from_slice(&[0x4D, 0xFC, 0x6E, 0x63, 0x68, 0x65, 0x6E]); // "München" in Latin-1
    csv.extend_from_slice(b"\n");
    let error = import_reader(&pool, "Latin1", csv.as_slice()).await.expect_err("file rejected");

    let message = error.to_string();
    assert!(message.contains("row 3 (line 3), column \"city\" is not valid UTF-8"), "{message}");
    assert!(message.contains("save it as UTF-8"), "{message}");
    let leads: i64 = sqlx::query_scalar("select count(*) from leads").fetch_one(&pool).await.expect("count");
    assert_eq!(leads, 0, "no half import to clean up");
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn import_rejects_utf16_file(pool: PgPool) {
    let csv: Vec<u8> = [0xFF, 0xFE].into_iter().chain("email\n".encode_utf16().flat_map(u16::to_le_bytes)).collect();
    let error = import_reader(&pool, "Utf16", csv.as_slice()).await.expect_err("file rejected");
    assert!(error.to_string().contains("UTF-16"), "{error}");
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn import_rejects_unclosed_quote(pool: PgPool) {
    let csv = "email,first_name\nq1@example.com,\"Unterminated\nq2@example.com,Two\nq3@example.com,Three\n";
    let error = import_reader(&pool, "Quotes", csv.as_bytes()).await.expect_err("file rejected");

    let message = error.to_string();
    assert!(message.contains("on line 2 is never closed"), "{message}");
    let leads: i64 = sqlx::query_scalar("select count(*) from leads").fetch_one(&pool).await.expect("count");
    assert_eq!(leads, 0);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn import_counts_crlf_lines(pool: PgPool) {
    let csv = "email,notes\r\na@example.com,\"two\r\nlines\"\r\nbad-email,x\r\nc@example.com,y\r\nalso-bad,z\r\n";
    let report = import_reader(&pool, "Crlf", csv.as_bytes()).await.expect("import runs");

    assert_eq!(report.imported, 2);
    let positions: Vec<(u64, u64)> = report.rejected.iter().map(|error| (error.row, error.line)).collect();
    assert_eq!(positions, [(3, 4), (5, 6)]);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn import_rejects_control_characters(pool: PgPool) {
    let csv = "email,first_name,notes\na@example.com,Bad\u{0}Name,\nb@example.com,Bell\u{7},\nc@example.com,Tab\tOk,\"multi\nline\"\n";
    let report = import_reader(&pool, "Control", csv.as_bytes()).await.expect("import runs");

    assert_eq!(report.imported, 1);
    assert_eq!(report.rejected.len(), 2);
    assert_eq!(report.rejected[0].column.as_deref(), Some("first_name"));
    assert!(report.rejected[0].message.contains("U+0000"), "{}", report.rejected[0].message);
    assert!(report.rejected[1].message.contains("U+0007"), "{}", report.rejected[1].message);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn import_ignores_blank_unnamed_columns(pool: PgPool) {
    let csv = "email,phone,\na@example.com,5551234567,\nb@example.com,5559876543,oops\n";
    let report = import_reader(&pool, "Trailing", csv.as_bytes()).await.expect("import runs");

    assert_eq!(report.imported, 1);
    assert!(report.rejected[0].message.contains("column 3 has no header"), "{}", report.rejected[0].message);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn import_writes_all_rejections_to_file(pool: PgPool) {
    let mut csv = String::from("email\n");
    for index in 0..150 {
        csv.push_str(&format!("broken{index}@\n"));
    }
    let report = import_reader(&pool, "Rejects", csv.as_bytes()).await.expect("import runs");
    assert!(report.render().contains("... and 50 more rejected rows"), "{}", report.render());

    let path = std::env::temp_dir().join(format!("leadbase-rejects-{}.csv", std::process::id()));
    report.write_rejections(&path).expect("file written");
    let written = std::fs::read_to_string(&path).expect("file readable");
    std::fs::remove_file(&path).ok();
    let mut lines = written.lines();
    assert_eq!(lines.next(), Some("row,line,column,value,error"));
    assert_eq!(lines.count(), 150);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn import_inserts_more_than_one_batch(pool: PgPool) {
    let mut csv = String::from("email\n");
    for index in 0..2_500 {
        csv.push_str(&format!("lead{index}@example.com\n"));
    }
    let report = import_reader(&pool, "Big", csv.as_bytes()).await.expect("import runs");

    assert_eq!(report.imported, 2_500);
    assert_eq!(report.source.lead_count, 2_500);
}

#[sqlx::test(migrator = "app::backend::MIGRATOR")]
async fn import_rejects_invalid_ip_and_phone(pool: PgPool) {
    let csv = "email,phone,ip\na@example.com,,999.1.1.1\nb@example.com,call me,\nc@example.com,,\n";
    let report = import_reader(&pool, "Network", csv.as_bytes()).await.expect("import runs");

    assert_eq!(report.imported, 1);
    assert_eq!(report.rejected[0].column.as_deref(), Some("ip"));
    assert!(report.rejected[0].message.contains("invalid IP address \"999.1.1.1\""), "{}", report.rejected[0].message);
    assert_eq!(report.rejected[1].column.as_deref(), Some("phone"));
    assert!(report.rejected[1].message.contains("invalid phone \"call me\""), "{}", report.rejected[1].message);
    let summary = report.render();
    assert!(summary.contains("Imported 1 lead into"), "{summary}");
}
