//! Secrets never leak: a SCRAM password, a TLS key password and a secret config value, entered
//! every way kdeck takes them (-X, --command-config .properties, config.toml profiles named on the
//! command line or through the environment), with KDECK_LOG=trace, succeeding and failing. The
//! CLI's stdout and stderr (its log), the console's screen, error popup and log file, the audit
//! log, `-o json` and `config get` are grepped for each secret. (MSK IAM, and so its session
//! token, is not implemented yet.)

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use crate::common::{data, env, kafka_tool, unique, wait_for, Fixture};
use crate::tmux::{position, Tmux};

const CONFIG_COMMAND: &str = "kafka.admin.ConfigCommand";

/// A SCRAM-SHA-512 user made for one test, with a password no other text contains.
///
/// It is never removed: Kafka 4.1.1's `ScramDelta.apply` loses a whole mechanism when a broker
/// replays, in one delta, a removal it meets while that mechanism's map is still empty — every
/// later add of the same delta lands in a detached map. A broker restarting on a log that holds
/// one create-then-remove of a SCRAM-SHA-512 user (replayed at once on start) can drop
/// SCRAM-SHA-512 for *every* user, `kdeck-admin` included, and `auth::every_auth_mode_lists_topics`
/// then fails on the next restart. Replaying this cluster's log through `ScramDelta` showed it:
/// the image kept SCRAM-SHA-256 only. A leftover user with a random password costs nothing.
struct ScramUser {
    name: String,
    password: String,
}

impl ScramUser {
    fn create() -> ScramUser {
        let user = ScramUser { name: unique("leak-user"), password: format!("s3cr3t-{}", unique("pw")) };
        let config = format!("SCRAM-SHA-512=[password={}]", user.password);
        kafka_tool(CONFIG_COMMAND, &user.entity(&["--alter", "--add-config", &config]));
        user
    }

    fn entity<'a>(&'a self, args: &[&'a str]) -> Vec<&'a str> {
        let mut v = vec!["--bootstrap-server", env().bootstrap.as_str()];
        v.extend_from_slice(args);
        v.extend_from_slice(&["--entity-type", "users", "--entity-name", &self.name]);
        v
    }

    /// Gives the user another password, so the one the test uses stops working. (An upsert, not
    /// a removal: see above.)
    fn rotate(&self) {
        let config = format!("SCRAM-SHA-512=[password=rotated-{}]", unique("pw"));
        kafka_tool(CONFIG_COMMAND, &self.entity(&["--alter", "--add-config", &config]));
    }

    /// `-X` settings that log in as this user with `password`.
    fn overrides(&self, password: &str) -> Vec<String> {
        [
            "security.protocol=SASL_PLAINTEXT".to_string(),
            "sasl.mechanism=SCRAM-SHA-512".into(),
            format!("sasl.username={}", self.name),
            format!("sasl.password={password}"),
        ]
        .iter()
        .flat_map(|kv| ["-X".to_string(), kv.clone()])
        .collect()
    }

    fn jaas(&self, password: &str) -> String {
        format!(
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"{}\" password=\"{password}\";",
            self.name
        )
    }

    /// A client .properties file in Kafka's own form (SASL through sasl.jaas.config).
    fn properties(&self, password: &str) -> String {
        format!(
            "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config={}\n",
            self.jaas(password)
        )
    }
}

/// Runs kdeck with KDECK_LOG=trace and a private state dir, and fails the test when anything it
/// printed or left in the state dir contains one of the secrets.
struct Probe {
    secrets: Vec<String>,
    dir: PathBuf,
    state: PathBuf,
}

impl Probe {
    fn new(secrets: &[&str]) -> Probe {
        let dir = std::env::temp_dir().join(unique("kdeck-secrets"));
        let state = dir.join("state");
        std::fs::create_dir_all(&state).expect("state dir");
        Probe { secrets: secrets.iter().map(|s| s.to_string()).collect(), dir, state }
    }

    fn file(&self, name: &str, body: &str) -> PathBuf {
        let p = self.dir.join(name);
        std::fs::write(&p, body).expect("write file");
        p
    }

    fn assert_clean(&self, what: &str, text: &str) {
        for s in &self.secrets {
            assert!(!text.contains(s.as_str()), "{what} shows the secret {s:?}:\n{text}");
        }
    }

    fn kdeck(&self, vars: &[(&str, &str)], args: &[String]) -> Output {
        let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
            .args(args)
            .env("KDECK_LOG", "trace")
            .env("KDECK_STATE_DIR", &self.state)
            .env("KDECK_CONFIG", self.dir.join("no-such-config.toml"))
            .env("USER", "kdeck-test")
            .env_remove("KDECK_BOOTSTRAP")
            .env_remove("KDECK_CLUSTER")
            .envs(vars.iter().copied())
            .output()
            .expect("run kdeck");
        self.assert_clean(&format!("stdout of kdeck {args:?}"), &String::from_utf8_lossy(&out.stdout));
        self.assert_clean(&format!("stderr of kdeck {args:?}"), &String::from_utf8_lossy(&out.stderr));
        out
    }

    fn ok(&self, vars: &[(&str, &str)], args: &[String]) -> String {
        let out = self.kdeck(vars, args);
        assert!(out.status.success(), "kdeck {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("utf-8")
    }

    fn ok_json(&self, vars: &[(&str, &str)], args: &[String]) -> serde_json::Value {
        let text = self.ok(vars, args);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("kdeck {args:?} printed no JSON ({e}):\n{text}"))
    }

    /// Exit code 1; the `error:` line (the trace log comes before it on stderr).
    fn fails(&self, vars: &[(&str, &str)], args: &[String]) -> String {
        let out = self.kdeck(vars, args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(1), "kdeck {args:?}:\n{stderr}");
        let at = stderr.rfind("error: ").unwrap_or_else(|| panic!("no error line:\n{stderr}"));
        stderr[at..].trim_end().to_string()
    }

    /// Every file kdeck left in its state dir (log, audit log).
    fn assert_state_clean(&self) {
        for entry in std::fs::read_dir(&self.state).expect("state dir") {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("read state file");
            self.assert_clean(&path.display().to_string(), &text);
        }
    }

    fn audit(&self) -> Vec<(String, String, String)> {
        let text = std::fs::read_to_string(self.state.join("audit.jsonl")).expect("audit log");
        text.lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("audit line");
                let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
                (s("action"), s("result"), s("request"))
            })
            .collect()
    }
}

fn args(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

fn with(mut a: Vec<String>, more: &[&str]) -> Vec<String> {
    a.extend(more.iter().map(|s| s.to_string()));
    a
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Waits until the new user's credentials have reached every broker (they travel through the
/// metadata log).
fn wait_for_login(probe: &Probe, user: &ScramUser) {
    wait_for("the SCRAM user to log in on every broker", Duration::from_secs(60), || {
        (0..3)
            .all(|i| {
                let broker = env().sasl_bootstrap.split(',').nth(i).unwrap_or_default().to_string();
                let mut a = args(&["--bootstrap", &broker, "--timeout", "10s"]);
                a.extend(user.overrides(&user.password));
                a.push("brokers".into());
                probe.kdeck(&[], &a).status.success()
            })
            .then_some(())
    });
}

#[test]
fn cli_never_prints_logs_or_records_a_secret() {
    let fx = Fixture::shared();
    let e = env();
    let user = ScramUser::create();
    let wrong = format!("{}-wrong", user.password); // contains the password: grepping for it finds both
    let key_password = format!("s3cr3t-{}", unique("keypw"));
    let config_secret = format!("s3cr3t-{}", unique("config"));
    let probe = Probe::new(&[&user.password, &key_password, &config_secret]);
    let topic = fx.topic("leak");
    data::create_topic(&topic, 1, 3);
    wait_for_login(&probe, &user);

    let sasl = args(&["--bootstrap", &e.sasl_bootstrap, "--timeout", "10s"]);
    let x = |password: &str| {
        let mut a = sasl.clone();
        a.extend(user.overrides(password));
        a
    };
    let auth_failed = |err: &str| {
        assert!(err.contains("failed (SCRAM-SHA-512)") && err.contains("check the username and password"), "{err}");
    };

    // -X, as kcat users write it: succeeding, with the wrong password, and against a bad bootstrap.
    let topics = probe.ok_json(&[], &with(x(&user.password), &["topics", "-o", "json"]));
    assert!(topics.as_array().expect("array").iter().any(|t| t["name"] == topic.as_str()), "{topics}");
    auth_failed(&probe.fails(&[], &with(x(&wrong), &["topics"])));
    let mut bad = user.overrides(&user.password);
    bad.extend(args(&["--bootstrap", "127.0.0.1:1", "--timeout", "2s", "topics"]));
    let err = probe.fails(&[], &bad);
    assert!(err.starts_with("error: none of the bootstrap servers answered:\n  127.0.0.1:1"), "{err}");
    // a password with `:` for `=` is not a setting, and the message does not quote it
    let err = probe.fails(&[], &with(sasl.clone(), &["-X", &format!("sasl.password:{}", user.password), "topics"]));
    assert_eq!(err, "error: -X: expected key=value");

    // -X sasl.jaas.config: succeeding, and broken in the two ways that put the password next to
    // the error (no `;`, no `required`).
    let jaas = |text: &str| {
        with(
            sasl.clone(),
            &["-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanism=SCRAM-SHA-512", "-X", text],
        )
    };
    let described = probe.ok_json(
        &[],
        &with(jaas(&format!("sasl.jaas.config={}", user.jaas(&user.password))), &["describe", &topic, "-o", "json"]),
    );
    assert_eq!(described["partition_count"], 1);
    let unterminated = user.jaas(&user.password).trim_end_matches(';').to_string();
    assert_eq!(
        probe.fails(&[], &with(jaas(&format!("sasl.jaas.config={unterminated}")), &["topics"])),
        "error: -X sasl.jaas.config: sasl.jaas.config must end with `;` (a value spread over lines needs `\\` at the end of each line)"
    );
    let no_flag = format!("sasl.jaas.config=ScramLoginModule password=\"{}\";", user.password);
    assert_eq!(
        probe.fails(&[], &with(jaas(&no_flag), &["topics"])),
        "error: -X sasl.jaas.config: sasl.jaas.config: expected `required` after the login module ScramLoginModule (Module required key=\"value\" …;)"
    );

    // --command-config with Kafka's own sasl.jaas.config; `config get` masks the brokers' JAAS configs.
    let props = probe.file("client.properties", &user.properties(&user.password));
    let cc = with(sasl.clone(), &["--command-config", path(&props)]);
    assert!(probe.ok(&[], &with(cc.clone(), &["brokers"])).contains("127.0.0.1"));
    probe.ok(&[], &with(cc.clone(), &["groups"]));
    let broker = probe.ok(&[], &with(cc.clone(), &["config", "get", "broker", "1"]));
    let jaas_row = broker
        .lines()
        .find(|l| l.starts_with("listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config "))
        .unwrap_or_else(|| panic!("no JAAS row in:\n{broker}"));
    assert_eq!(jaas_row.split_whitespace().nth(1), Some("[hidden]"), "{jaas_row}");
    let configs = probe.ok_json(&[], &with(cc.clone(), &["config", "get", "topic", &topic, "-o", "json"]));
    assert_eq!(configs["resource"]["name"], topic.as_str());
    let wrong_props = probe.file("wrong.properties", &user.properties(&wrong));
    auth_failed(&probe.fails(&[], &with(sasl.clone(), &["--command-config", path(&wrong_props), "topics"])));

    // config.toml profiles: inline properties, a command_config, chosen by flag or by environment.
    let toml = probe.file(
        "config.toml",
        &format!(
            "[clusters.inline]\nbootstrap = \"{b}\"\n[clusters.inline.properties]\n\"security.protocol\" = \"SASL_PLAINTEXT\"\n\
             \"sasl.mechanism\" = \"SCRAM-SHA-512\"\n\"sasl.username\" = \"{u}\"\n\"sasl.password\" = \"{p}\"\n\
             [clusters.file]\nbootstrap = \"{b}\"\ncommand_config = \"{f}\"\n\
             [clusters.wrong]\nbootstrap = \"{b}\"\ncommand_config = \"{w}\"\n\
             [clusters.tlskey]\nbootstrap = \"{m}\"\n[clusters.tlskey.properties]\n\"security.protocol\" = \"SSL\"\n\
             \"ssl.key.password\" = \"{k}\"\n",
            b = e.sasl_bootstrap,
            u = user.name,
            p = user.password,
            f = path(&props),
            w = path(&wrong_props),
            m = e.mtls_bootstrap,
            k = key_password,
        ),
    );
    let by_flag = |name: &str, rest: &[&str]| with(args(&["--config", path(&toml), "--cluster", name]), rest);
    assert!(probe.ok(&[], &by_flag("inline", &["topics"])).contains(&topic));
    assert!(probe.ok(&[], &by_flag("file", &["describe", &topic])).contains("Partitions: 1"));
    let by_env = [("KDECK_CONFIG", path(&toml)), ("KDECK_CLUSTER", "inline")];
    assert!(probe.ok(&by_env, &args(&["topics"])).contains(&topic));
    auth_failed(&probe.fails(&[], &by_flag("wrong", &["topics"])));
    // a config.toml that does not parse, with the password on the broken line
    let broken = probe.file(
        "broken.toml",
        &format!(
            "[clusters.x]\nbootstrap = \"{}\"\n[clusters.x.properties]\n\"sasl.password\" = \"{}\n",
            e.sasl_bootstrap, user.password
        ),
    );
    let err = probe.fails(&[], &args(&["--config", path(&broken), "--cluster", "x", "topics"]));
    assert_eq!(
        err,
        format!("error: {}:4:{}: invalid basic string, expected `\"`", path(&broken), 20 + user.password.len())
    );

    // The TLS key password: kdeck refuses encrypted keys (with a hint), whichever way it came.
    let certs = &e.certs;
    let tls = format!(
        "security.protocol=SSL\nssl.ca.location={}\nssl.certificate.location={}\nssl.key.location={}\nssl.key.password={key_password}\n",
        certs.join("ca.pem").display(),
        certs.join("client.pem").display(),
        certs.join("client.key").display()
    );
    let hint = "encrypted client keys are not supported yet: decrypt with `openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-plain.pem`";
    let tls_props = probe.file("tls.properties", &tls);
    let mtls = args(&["--bootstrap", &e.mtls_bootstrap]);
    assert_eq!(
        probe.fails(&[], &with(mtls.clone(), &["--command-config", path(&tls_props), "topics"])),
        format!("error: {}:5: {hint}", path(&tls_props))
    );
    let mut tls_x: Vec<String> = tls.lines().flat_map(|kv| ["-X".to_string(), kv.to_string()]).collect();
    tls_x.extend(with(mtls.clone(), &["topics"]));
    assert_eq!(probe.fails(&[], &tls_x), format!("error: -X ssl.key.password: {hint}"));
    assert_eq!(
        probe.fails(&[], &by_flag("tlskey", &["topics"])),
        format!("error: {} [clusters.tlskey]: {hint}", path(&toml))
    );

    // Mutations over SCRAM: a secret config value (dry run, then for real), a topic created and
    // deleted. The JSON, `config get` and the audit log show the key, never the value.
    let key = format!("kdeck.test.{}.password", unique("k"));
    let set = format!("{key}={config_secret}");
    let dry = probe
        .ok_json(&[], &with(x(&user.password), &["--dry-run", "config", "set", "broker", "1", &set, "-o", "json"]));
    assert_eq!(dry["result"], "dry-run");
    assert_eq!(dry["mutation"]["changes"][0], serde_json::json!({"key": key, "op": "set", "value": "[hidden]"}));
    assert_eq!(dry["configs"][0]["new"], "[hidden]");
    let done =
        probe.ok_json(&[], &with(x(&user.password), &["config", "set", "broker", "1", &set, "--yes", "-o", "json"]));
    assert_eq!(done["result"], "ok");
    let oracle = || {
        kafka_tool(
            CONFIG_COMMAND,
            &["--bootstrap-server", &e.bootstrap, "--describe", "--entity-type", "brokers", "--entity-name", "1"],
        )
    };
    let stored = wait_for("the secret override on broker 1", Duration::from_secs(30), || {
        let o = oracle();
        o.contains(&key).then_some(o)
    });
    assert!(!stored.contains(&config_secret), "Kafka's own tool masks it too:\n{stored}");
    let overrides =
        probe.ok_json(&[], &with(x(&user.password), &["config", "get", "broker", "1", "--overrides", "-o", "json"]));
    let entry = overrides["configs"].as_array().expect("configs").iter().find(|c| c["name"] == key.as_str()).cloned();
    assert_eq!(entry.map(|c| c["value"].clone()), Some(serde_json::json!("[hidden]")), "{overrides}");
    probe.ok(&[], &with(x(&user.password), &["config", "delete", "broker", "1", &key, "--yes"]));
    wait_for("the override gone", Duration::from_secs(30), || (!oracle().contains(&key)).then_some(()));
    let created = fx.topic("leak-created");
    probe.ok(
        &[],
        &with(
            x(&user.password),
            &["topic", "create", &created, "--partitions", "1", "--replication-factor", "1", "--yes"],
        ),
    );
    probe.ok(&[], &with(x(&user.password), &["topic", "delete", &created, "--yes"]));

    let hidden = format!("set {key}=[hidden] on broker 1");
    let want = vec![
        ("config set".to_string(), "dry-run".to_string(), hidden.clone()),
        ("config set".into(), "ok".into(), hidden),
        ("config delete".into(), "ok".into(), format!("delete {key} on broker 1")),
        ("topic create".into(), "ok".into(), format!("create topic {created}: 1 partitions, replication factor 1")),
        ("topic delete".into(), "ok".into(), format!("delete topic {created}")),
    ];
    assert_eq!(probe.audit(), want);
    probe.assert_state_clean();
}

#[test]
fn console_never_shows_or_logs_a_secret() {
    let fx = Fixture::shared();
    let user = ScramUser::create();
    let config_secret = format!("s3cr3t-{}", unique("console"));
    let probe = Probe::new(&[&user.password, &config_secret]);
    let topic = fx.topic("leak-console");
    data::create_topic(&topic, 1, 3);
    assert_eq!(data::produce(&topic, 5, 1), vec![5]);
    wait_for_login(&probe, &user);
    let props = probe.file("client.properties", &user.properties(&user.password));

    let t = Tmux::start_with_env(
        &[("KDECK_LOG", "trace")],
        &["--bootstrap", &env().sasl_bootstrap, "--command-config", path(&props), "--refresh", "2s", "--timeout", "5s"],
        140,
        40,
    );
    let seen = std::cell::RefCell::new(Vec::new());
    let screen = |what: &str, pred: &dyn Fn(&str) -> bool| {
        let s = t.wait_screen(what, pred);
        probe.assert_clean(&format!("the screen ({what})"), &s);
        seen.borrow_mut().push(s.clone());
        s
    };
    screen("the topics pane", &|s| s.contains("Topics ("));
    t.keys(&["/"]);
    t.type_text(&topic);
    t.keys(&["Enter"]);
    screen("only the test topic", &|s| s.contains(&format!("/{topic}")) && position(s) == Some("1/1"));

    // A secret typed into the set-config form is shown as dots; the broker's refusal names the key.
    t.keys(&["C"]);
    screen("the topic's configs", &|s| s.contains(&format!("Configs of {topic} (")));
    t.keys(&["=", "C-u"]);
    t.type_text(&format!("kdeck.test.password={config_secret}"));
    screen("the typed secret as dots", &|s| {
        s.contains(&format!("kdeck.test.password={}", "•".repeat(config_secret.len())))
    });
    t.keys(&["Enter"]);
    screen("the refusal", &|s| s.contains("unknown topic config \"kdeck.test.password\""));
    // (one key at a time: two quick Escapes arrive as alt-esc)
    t.keys(&["Escape"]);
    screen("the form closed", &|s| !s.contains("set a config of"));
    t.keys(&["Escape"]);
    screen("back on the topics", &|s| s.contains("Topics (") && s.contains(&format!("/{topic}")));

    // Peek reads with librdkafka, given the same password.
    t.keys(&["Enter"]);
    screen("the partitions", &|s| s.contains(&format!("{topic} — 1 partitions")));
    t.keys(&["p"]);
    screen("the peeked messages", &|s| s.contains(&data::payload(4)));
    t.keys(&["Escape"]);

    // The password stops working: a new peek fails to log in, and its error popup says so
    // without the password.
    user.rotate();
    t.keys(&["p"]);
    screen("the failed peek", &|s| s.contains(&format!("peek {topic}/0 failed")));
    t.keys(&["e"]);
    let popup = screen("the error in full", &|s| s.contains("last error — any key closes"));
    assert!(popup.contains(&format!("peek {topic}/0 failed")), "{popup}");
    t.keys(&["Escape"]);
    screen("the popup closed", &|s| !s.contains("last error — any key closes"));
    t.keys(&["q"]);
    wait_for("kdeck to exit on q", Duration::from_secs(20), || (!t.alive()).then_some(()));

    let log = std::fs::read_to_string(t.state.join("kdeck.log")).expect("the console's log");
    assert!(log.contains("TRACE") || log.contains("DEBUG"), "KDECK_LOG=trace wrote nothing:\n{log}");
    probe.assert_clean("the console's log", &log);
    let audit = std::fs::read_to_string(t.state.join("audit.jsonl")).expect("the console's audit log");
    probe.assert_clean("the console's audit log", &audit);
    assert!(audit.contains("set kdeck.test.password=[hidden] on topic"), "{audit}");
    assert!(!seen.borrow().is_empty());
}
