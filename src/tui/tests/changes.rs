//! Topic operations: forms, previews and confirms through the worker and the fake's ops guard.

use super::harness::Harness;
use crate::kafka::topic_config_admin::{AlterOp, ConfigChange, ConfigResource, NewTopic};
use crate::ops::Mutation;
use crate::tui::message::Request;
use crate::tui::mode::{Mode, Op};

#[tokio::test]
async fn create_topic_form_then_confirm_then_refresh() {
    let mut h = Harness::new(false).await;
    h.keys("c").await;
    // partitions is prefilled with 3: replace it with 6; RF defaults to the brokers up (2, max 3)
    h.keys("audit.v2\t\x086").await;
    insta::assert_snapshot!("create_form_80x24", h.screen(80, 24));
    let want = Mutation::CreateTopic(NewTopic {
        name: "audit.v2".into(),
        partitions: 6,
        replication_factor: 2,
        ..Default::default()
    });
    let reqs = h.press('\n');
    assert_eq!(reqs, vec![Request::Prepare(want.clone())]);
    assert_eq!(h.app.op, Op::Preparing(want));
    h.run(reqs).await;
    insta::assert_snapshot!("create_confirm_80x24", h.screen(80, 24));
    let previewed = h.confirm().preview.clone();
    assert_eq!(h.press('\n'), vec![Request::Apply(Box::new(previewed.clone()))]);
    h.run(vec![Request::Apply(Box::new(previewed.clone()))]).await;
    assert_eq!(*h.backend.applied.lock().expect("lock"), vec![previewed]);
    assert!(h.sent.contains(&Request::Refresh), "an applied change refreshes: {:?}", h.sent);
    assert!(h.screen(80, 24).contains("created topic audit.v2 (6 partitions, replication factor 2)"));
    assert_eq!(h.app.mode, Mode::Normal);
}

#[tokio::test]
async fn create_form_keeps_what_was_typed_when_the_check_fails() {
    let mut h = Harness::new(false).await;
    h.keys("c\n").await;
    assert!(h.screen(80, 24).contains("type a topic name"), "no request without a name");
    assert!(h.sent.is_empty());
    h.keys("orders\n").await;
    let Mode::Form(form) = &h.app.mode else { panic!("the form stays open: {:?}", h.app.mode) };
    assert_eq!(
        (form.fields[0].value.as_str(), form.error.as_deref(), form.checking),
        ("orders", Some("topic orders already exists"), false)
    );
    assert_eq!(h.press('\x1b'), vec![], "esc sends nothing");
    assert_eq!((&h.app.mode, &h.app.op), (&Mode::Normal, &Op::Idle));
    assert!(h.backend.applied.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn delete_needs_the_typed_name_and_applies_once() {
    let mut h = Harness::new(false).await;
    h.keys("/orders\n").await;
    let reqs = h.press('D');
    assert_eq!(reqs, vec![Request::Prepare(Mutation::DeleteTopic { topic: "orders".into() })]);
    h.run(reqs).await;
    h.keys("order").await;
    assert_eq!(h.press('\n'), vec![], "a wrong name keeps enter disabled");
    assert!(!h.confirm().armed());
    insta::assert_snapshot!("delete_confirm_80x24", h.screen(80, 24));
    h.keys("s").await;
    let previewed = h.confirm().preview.clone();
    assert!(h.screen(80, 24).contains("[ enter: delete topic orders ]"));
    let reqs = h.press('\n');
    assert_eq!(reqs, vec![Request::Apply(Box::new(previewed))]);
    assert_eq!(h.app.mode, Mode::Normal);
    assert!(!h.press('\n').iter().any(|r| matches!(r, Request::Apply(_))), "a second enter applies nothing");
    h.run(reqs).await;
    assert_eq!(h.backend.applied.lock().expect("lock").len(), 1);
    assert!(h.screen(80, 24).contains("deleted topic orders"));

    // Esc on the dialog: nothing applied; the audit log records the "no"
    h.keys("\x1b\x1b/payments\n").await;
    let reqs = h.press('D');
    h.run(reqs).await;
    h.keys("payments").await;
    let declined = h.confirm().preview.clone();
    let reqs = h.press('\x1b');
    assert_eq!(reqs, vec![Request::Decline(Box::new(declined))]);
    h.run(reqs).await;
    assert_eq!(h.app.mode, Mode::Normal);
    assert_eq!(h.backend.applied.lock().expect("lock").len(), 1);
    assert!(h.screen(80, 24).contains("cancelled: nothing was changed"));
    let last = h.audit().pop().expect("an audit entry");
    assert_eq!((last["action"].as_str(), last["result"].as_str()), (Some("topic delete"), Some("cancelled")));
    assert_eq!(last["request"].as_str(), Some("delete topic payments"));
}

#[tokio::test]
async fn add_partitions_shows_the_assignment_and_the_keyed_warning() {
    let mut h = Harness::new(false).await;
    h.keys("/orders\n+").await;
    assert!(h.screen(80, 24).contains("orders has 3 partitions"));
    h.keys("2\n").await;
    let Mode::Form(form) = &h.app.mode else { panic!("form stays open on an error") };
    assert!(form.error.as_deref().is_some_and(|e| e.contains("Kafka cannot remove partitions")), "{form:?}");
    h.keys("\x086").await;
    let reqs = h.press('\n');
    assert_eq!(
        reqs,
        vec![Request::Prepare(Mutation::AddPartitions { topic: "orders".into(), to: 6, assignment: vec![] })]
    );
    h.run(reqs).await;
    // broker 3 is down in the fixture: ops cannot place three replicas on two brokers
    let Mode::Form(form) = &h.app.mode else { panic!("ops' refusal keeps the form open") };
    assert_eq!(form.error.as_deref(), Some("replication factor 3 is larger than the 2 available brokers"), "{form:?}");
    h.keys("\x1b\x1b/payments\n+").await;
    assert!(h.screen(80, 24).contains("payments has 1 partition"), "{}", h.screen(80, 24));
    h.keys("\x083").await;
    let reqs = h.press('\n');
    assert_eq!(
        reqs,
        vec![Request::Prepare(Mutation::AddPartitions { topic: "payments".into(), to: 3, assignment: vec![] })]
    );
    h.run(reqs).await;
    insta::assert_snapshot!("add_partitions_preview_80x24", h.screen(80, 24));
    insta::assert_snapshot!("add_partitions_preview_160x48", h.screen(160, 48));
    let previewed = h.confirm().preview.clone();
    let Mutation::AddPartitions { assignment, .. } = &previewed.mutation else { panic!("add partitions") };
    let screen = h.screen(160, 48);
    for (i, r) in assignment.iter().enumerate() {
        let ids: Vec<String> = r.iter().map(i32::to_string).collect();
        assert!(screen.contains(&format!("partition {} → {} (leader {})", 1 + i, ids.join(","), r[0])), "{screen}");
    }
    assert!(screen.contains("⚠ topic payments looks keyed (15 of 15 sampled messages have keys)"));
    assert_eq!(
        h.press('\n'),
        vec![Request::Apply(Box::new(previewed))],
        "enter sends exactly the previewed assignment"
    );
}

#[tokio::test]
async fn configs_view_masks_secrets_and_edits_through_previews() {
    let mut h = Harness::new(false).await;
    h.keys("/orders\n").await;
    let reqs = h.press('C');
    assert_eq!(reqs, vec![Request::Configs { topic: "orders".into() }]);
    h.run(reqs).await;
    assert_eq!(h.app.breadcrumbs(), vec!["topics", "configs"]);
    insta::assert_snapshot!("configs_80x24", h.screen(80, 24));
    insta::assert_snapshot!("configs_160x48", h.screen(160, 48));
    let screen = h.screen(160, 48);
    assert!(screen.contains("[hidden]") && !screen.contains("s3cr3t"), "{screen}");

    // x on retention.ms: delete the override, previewed first; applying reloads the configs
    h.keys("/retention\n").await;
    let delete = Mutation::AlterConfigs {
        resource: ConfigResource::Topic("orders".into()),
        changes: vec![ConfigChange { key: "retention.ms".into(), op: AlterOp::Delete, value: None }],
    };
    let reqs = h.press('x');
    assert_eq!(reqs, vec![Request::Prepare(delete)]);
    h.run(reqs).await;
    // the fixture knows no synonym below the topic's value: the value it falls back to is the
    // default's, which dialogs' (None, Delete) branch shows as such
    let Mode::Confirm(confirm) = &h.app.mode else { panic!("the preview: {:?}", h.app.mode) };
    assert_eq!(
        confirm.preview.configs.iter().map(|c| (c.new.as_deref(), c.new_source)).collect::<Vec<_>>(),
        vec![(None, Some("default"))]
    );
    let screen = h.screen(80, 24);
    assert!(screen.contains("retention.ms: 86400000 (dynamic) → (default) (default)"), "{screen}");
    h.sent.clear();
    h.keys("\n").await;
    assert_eq!(h.sent[0], Request::Apply(Box::new(h.backend.applied.lock().expect("lock")[0].clone())));
    assert!(
        h.sent.contains(&Request::Configs { topic: "orders".into() }) && h.sent.contains(&Request::Refresh),
        "{:?}",
        h.sent
    );

    // enter on a config: set it, prefilled with key=current value
    h.keys("\n").await;
    let Mode::Form(form) = &h.app.mode else { panic!("set form: {:?}", h.app.mode) };
    assert_eq!(form.fields[0].value, "retention.ms=86400000");
    h.keys("\x08\x08\x08\x08\x08\x08\x08\x08").await;
    h.keys("3600000").await;
    let set = Mutation::AlterConfigs {
        resource: ConfigResource::Topic("orders".into()),
        changes: vec![ConfigChange { key: "retention.ms".into(), op: AlterOp::Set, value: Some("3600000".into()) }],
    };
    assert_eq!(h.press('\n'), vec![Request::Prepare(set)]);
}

#[tokio::test]
async fn read_only_hides_mutating_keys_and_refuses_them() {
    let mut h = Harness::new(true).await;
    let screen = h.screen(80, 24);
    assert!(screen.contains("READ-ONLY"));
    let status = screen.lines().last().expect("status line").to_string();
    assert_eq!(status, " ? help  / filter  C configs  q quit");
    h.keys("?").await;
    insta::assert_snapshot!("help_read_only_80x24", h.screen(80, 24));
    let help = h.screen(160, 48);
    assert!(
        help.contains("configs of the selected topic")
            && !help.contains("create a topic")
            && !help.contains("delete the selected"),
        "{help}"
    );
    h.keys("\x1b").await;

    // keys that would open a form do nothing but flash
    for k in ['c', '+'] {
        assert_eq!(h.press(k), vec![], "{k}");
        assert_eq!(h.app.mode, Mode::Normal);
    }
    assert!(h.screen(80, 24).contains("read-only: adding partitions is off on prod-msk"));

    // a delete names a whole change: it goes to ops, whose guard refuses and audits it
    h.keys("/orders\n").await;
    let reqs = h.press('D');
    assert_eq!(reqs, vec![Request::Prepare(Mutation::DeleteTopic { topic: "orders".into() })]);
    assert!(h.screen(80, 24).contains("read-only: deleting topics is off on prod-msk"));
    h.run(reqs).await;
    assert_eq!(h.app.mode, Mode::Normal, "no confirm dialog in read-only mode");
    assert!(h.screen(160, 48).contains("refusing to delete topic orders: cluster prod-msk is read-only"));

    // configs can be read; set does nothing, delete override is refused by ops
    let reqs = h.press('C');
    h.run(reqs).await;
    assert_eq!(h.press('='), vec![]);
    assert_eq!(h.press('\n'), vec![]);
    let reqs = h.press('x');
    assert!(matches!(&reqs[..], [Request::Prepare(Mutation::AlterConfigs { .. })]), "{reqs:?}");
    h.run(reqs).await;
    assert_eq!(h.app.mode, Mode::Normal);
    assert!(h.backend.applied.lock().expect("lock").is_empty());
    let audit = h.audit();
    let got: Vec<(&str, &str)> =
        audit.iter().map(|e| (e["action"].as_str().unwrap_or(""), e["result"].as_str().unwrap_or(""))).collect();
    assert_eq!(got, vec![("topic delete", "refused"), ("config delete", "refused")]);
}

#[tokio::test]
async fn dry_run_says_so_and_applies_as_validation() {
    let mut h = Harness::with(false, true).await;
    h.keys("/payments\n+2\n").await;
    let screen = h.screen(80, 24);
    assert!(
        screen.contains("DRY-RUN") && screen.contains("[ enter: validate only (dry run: nothing changes) ]"),
        "{screen}"
    );
    h.keys("\n").await;
    assert!(h
        .screen(160, 48)
        .contains("dry run: nothing was changed (validated by the broker (CreatePartitions, validate-only))"));
}

#[tokio::test]
async fn a_preview_that_arrives_after_esc_is_dropped() {
    let mut h = Harness::new(false).await;
    h.keys("c").await;
    h.keys("audit.v3").await;
    let reqs = h.press('\n');
    assert!(matches!(&reqs[..], [Request::Prepare(Mutation::CreateTopic(_))]));
    assert_eq!(h.press('\x1b'), vec![], "esc while checking sends nothing");
    h.run(reqs).await; // the answer lands after the user left
    assert_eq!((&h.app.mode, &h.app.op), (&Mode::Normal, &Op::Idle), "no dialog pops up uninvited");
    assert!(h.backend.applied.lock().expect("lock").is_empty());
}
