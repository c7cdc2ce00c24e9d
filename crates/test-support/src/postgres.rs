//! A fresh PostgreSQL database per test.

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::OnceCell;

use crate::tls::TestCa;
use crate::{ports, process};

/// A database that exists only for one test.
#[derive(Debug, Clone)]
pub struct TestDatabase {
    /// Connection URL of the database, e.g. `postgres://postgres@127.0.0.1:5544/lookout_test_…`.
    pub url: String,
    pub name: String,
    /// URL of the server's maintenance database, for tests that need another database.
    pub server_url: String,
}

static SERVER: OnceCell<String> = OnceCell::const_new();

/// URL of the shared server's `postgres` database.
pub async fn server_url() -> String {
    SERVER
        .get_or_init(|| async {
            if let Ok(url) = std::env::var("LOOKOUT_TEST_DATABASE_URL") {
                return url;
            }
            start_throwaway_server().await
        })
        .await
        .clone()
}

impl TestDatabase {
    /// A direct connection to this database, for arranging and asserting on
    /// rows; its connection task runs until the client is dropped.
    pub async fn client(&self) -> tokio_postgres::Client {
        let (client, connection) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|error| panic!("cannot connect to the test database: {error}"));
        tokio::spawn(connection);
        client
    }
}

/// Creates an empty database with a unique name.
pub async fn fresh_database() -> TestDatabase {
    let server_url = server_url().await;
    let name = format!("lookout_test_{}", uuid::Uuid::new_v4().simple());
    let (client, connection) = tokio_postgres::connect(&server_url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|error| panic!("cannot connect to the test PostgreSQL server: {error}"));
    let connection = tokio::spawn(connection);
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap_or_else(|error| panic!("cannot create test database: {error}"));
    drop(client);
    let _ = connection.await;
    let url = replace_database(&server_url, &name);
    TestDatabase {
        url,
        name,
        server_url,
    }
}

fn replace_database(server_url: &str, database: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (server_url, None),
    };
    let scheme_end = base.find("://").map(|index| index + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

fn postgres_bin_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path().join("bin"))
                .collect()
        })
        .unwrap_or_default();
    // Highest major version first.
    dirs.sort();
    dirs.reverse();
    dirs
}

/// The port of a new server of the caller's own with `ssl=on`, presenting
/// the `localhost` certificate of `ca`, on 127.0.0.1 and 127.0.0.2 (an
/// address the certificate does not name). Plain connections are still
/// accepted: the client decides. It stops with the test process.
pub async fn throwaway_tls_server(ca: &TestCa) -> u16 {
    let port = ports::free_port();
    start_server(port, Some(ca)).await;
    port
}

async fn start_throwaway_server() -> String {
    let port = ports::free_port();
    start_server(port, None).await
}

async fn start_server(port: u16, tls: Option<&TestCa>) -> String {
    let dirs = postgres_bin_dirs();
    let initdb = process::find_binary("initdb", &dirs)
        .expect("PostgreSQL server binaries (initdb) not found: apt-get install postgresql, or set LOOKOUT_TEST_DATABASE_URL");
    let postgres = initdb.with_file_name("postgres");
    let postgres = if postgres.is_file() {
        postgres
    } else {
        process::find_binary("postgres", &dirs).expect("the postgres binary sits next to initdb")
    };
    let root = process::temp_dir("lookout-pg");
    let data = root.join("data");
    // PostgreSQL reads its key only when the file is its own and private,
    // so the pair is copied in before the directory changes hands.
    let ssl = match tls {
        Some(ca) => {
            let cert = root.join("server.pem");
            let key = root.join("server.key");
            std::fs::copy(ca.cert_file(), &cert).expect("copy the server certificate");
            std::fs::copy(ca.key_file(), &key).expect("copy the server key");
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600))
                .expect("make the server key private");
            format!(
                " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                cert.display(),
                key.display()
            )
        }
        None => String::new(),
    };
    let listen = if tls.is_some() {
        "127.0.0.1,127.0.0.2"
    } else {
        "127.0.0.1"
    };
    let as_root = process::running_as_root();
    let run_as = if as_root {
        "runuser -u postgres -- "
    } else {
        ""
    };
    if as_root {
        let status = std::process::Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&root)
            .status()
            .expect("chown runs");
        assert!(
            status.success(),
            "cannot hand the test data directory to the postgres user"
        );
    }
    process::run_to_success(
        std::process::Command::new("sh").arg("-c").arg(format!(
            "{run_as}{initdb} -D {data} -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8",
            initdb = initdb.display(),
            data = data.display()
        )),
        "initdb",
    );
    let command = format!(
        "{run_as}{postgres} -D {data} -p {port} -k {socket} -c listen_addresses={listen} \
         -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300{ssl}",
        postgres = postgres.display(),
        data = data.display(),
        socket = root.display(),
    );
    process::spawn_tied_to_this_process(&command, &root).expect("postgres starts");
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok((client, connection)) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await
        {
            let connection = tokio::spawn(connection);
            if client.simple_query("SELECT 1").await.is_ok() {
                drop(client);
                let _ = connection.await;
                return url;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the throwaway PostgreSQL server did not become ready on port {port}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn database_name_is_swapped_in_server_urls() {
        assert_eq!(
            replace_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            replace_database("postgres://u@h:1/postgres?sslmode=disable", "x"),
            "postgres://u@h:1/x?sslmode=disable"
        );
        assert_eq!(
            replace_database("postgres://u@h:1", "x"),
            "postgres://u@h:1/x"
        );
    }
}
