//! The typed model against the schema: round trips, nulls, unknowns, type errors and the import
//! skeleton. Over 500 lines because each attribute kind gets its own small test.

use std::collections::BTreeSet;

use proptest::prelude::*;
use tfplugin::value::Refinements;

use super::*;
use crate::endpoint_service::schema::schema;

fn text(value: &str) -> Field<String> {
    Field::Known(value.to_owned())
}

/// A state as an apply leaves it, written as Terraform sends it.
fn state_value() -> Value {
    Value::object([
        ("name", Value::string("orders")),
        ("db_instance_identifier", Value::Null),
        ("db_cluster_identifier", Value::string("orders")),
        ("db_proxy_name", Value::Null),
        (
            "endpoint",
            Value::string("orders.cluster-x.eu-west-1.rds.amazonaws.com"),
        ),
        ("role", Value::string("writer")),
        ("port", Value::number(5432)),
        ("vpc_id", Value::string("vpc-0123456789abcdef0")),
        (
            "subnet_ids",
            Value::set_of_strings(["subnet-0bbb2222", "subnet-0aaa1111"]),
        ),
        ("security_group_ids", Value::Null),
        ("cross_zone_load_balancing", Value::bool(true)),
        (
            "allowed_principals",
            Value::set_of_strings(["arn:aws:iam::222222222222:root"]),
        ),
        ("acceptance_required", Value::bool(false)),
        ("deregistration_delay_seconds", Value::number(0)),
        ("terminate_connections_on_deregistration", Value::bool(true)),
        ("tags", Value::map_of_strings([("team", "data")])),
        (
            "tags_all",
            Value::map_of_strings([("team", "data"), ("managed-by", "me")]),
        ),
        ("id", Value::string("vpce-svc-0123456789abcdef0")),
        (
            "service_name",
            Value::string("com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0"),
        ),
        ("nlb_arn", Value::string("arn:nlb")),
        (
            "nlb_dns_name",
            Value::string("rdslink-orders.elb.amazonaws.com"),
        ),
        ("target_group_arn", Value::string("arn:tg")),
        ("listener_arn", Value::string("arn:listener")),
        // A state written before `connections` and `sync` existed holds neither.
        ("connections", Value::Null),
        ("supported_regions", Value::Null),
        ("sync", Value::Null),
        (
            "availability_zones",
            Value::list_of_strings(["eu-west-1a", "eu-west-1b"]),
        ),
        ("registered_targets", Value::list_of_strings(["10.0.1.5"])),
        ("database_addresses", Value::list_of_strings(["10.0.1.5"])),
        ("service_nlb_arns", Value::list_of_strings(["arn:nlb"])),
        (
            "health_check",
            Value::object([
                ("interval_seconds", Value::number(30)),
                ("healthy_threshold", Value::number(2)),
                ("unhealthy_threshold", Value::number(2)),
            ]),
        ),
        (
            "timeouts",
            Value::object([
                ("create", Value::string("20m")),
                ("update", Value::Null),
                ("delete", Value::Null),
            ]),
        ),
    ])
}

fn model() -> EndpointServiceModel {
    EndpointServiceModel::from_value(&state_value())
        .expect("a state of this schema")
        .expect("not null")
}

#[test]
fn a_state_reads_into_typed_fields_and_writes_back_unchanged() {
    let model = model();
    assert_eq!(model.name, text("orders"));
    assert_eq!(model.database.db_cluster_identifier, text("orders"));
    assert_eq!(model.database.db_instance_identifier, Field::Null);
    assert_eq!(model.port, Field::Known(5432));
    assert_eq!(
        model.subnet_ids,
        Field::Known(Set::of([
            "subnet-0bbb2222".to_owned(),
            "subnet-0aaa1111".to_owned()
        ]))
    );
    assert_eq!(model.security_group_ids, Field::Null);
    assert_eq!(model.cross_zone_load_balancing, Field::Known(true));
    assert_eq!(
        model.allowed_principals.elements(),
        ["arn:aws:iam::222222222222:root"]
    );
    assert_eq!(
        model.tags.known().map(|tags| tags.known_entries().count()),
        Some(1)
    );
    assert_eq!(model.parts.id, text("vpce-svc-0123456789abcdef0"));
    assert_eq!(
        model
            .health_check
            .known()
            .map(|check| check.interval_seconds.clone()),
        Some(Field::Known(30))
    );
    assert_eq!(
        Timeouts::of(&model.timeouts, Operation::Create),
        &text("20m")
    );
    assert_eq!(
        Timeouts::of(&model.timeouts, Operation::Delete),
        &Field::Null
    );
    assert_eq!(model.to_value(), state_value());
}

#[test]
fn a_null_object_is_no_resource() {
    assert_eq!(EndpointServiceModel::from_value(&Value::Null), Ok(None));
    assert!(EndpointServiceModel::from_value(&Value::unknown()).is_err());
}

#[test]
fn unknowns_keep_their_place_and_their_refinements() {
    let refined = Value::Unknown(Refinements::from_raw(vec![0x81, 0x01, 0xc3]));
    let planned = state_value()
        .with("id", Value::unknown())
        .with("port", refined.clone())
        .with(
            "subnet_ids",
            Value::set([Value::string("subnet-0aaa1111"), Value::unknown()]),
        )
        .with("tags", Value::map([("team", Value::unknown())]))
        .with("health_check", Value::unknown());
    let model = EndpointServiceModel::from_value(&planned).unwrap().unwrap();
    assert!(model.parts.id.is_unknown());
    assert_eq!(
        model.port,
        Field::Unknown(Refinements::from_raw(vec![0x81, 0x01, 0xc3]))
    );
    assert!(!model.subnet_ids.is_fully_known());
    assert_eq!(model.subnet_ids.elements(), ["subnet-0aaa1111"]);
    assert!(!model.tags.is_fully_known());
    assert!(model.health_check.is_unknown());
    assert_eq!(model.to_value(), planned);

    let recorded = model.without_unknowns().unwrap();
    assert!(recorded.to_value().is_fully_known());
    assert_eq!(recorded.parts.id, Field::Null);
    assert_eq!(recorded.port, Field::Null);
    assert_eq!(recorded.name, text("orders"));
}

#[test]
fn absent_attributes_read_as_null() {
    let sparse = Value::object([("name", Value::string("orders"))]);
    let model = EndpointServiceModel::from_value(&sparse).unwrap().unwrap();
    assert_eq!(model.name, text("orders"));
    assert_eq!(
        model,
        EndpointServiceModel {
            name: text("orders"),
            ..EndpointServiceModel::default()
        }
    );
}

#[test]
fn a_value_of_another_schema_is_an_error_naming_the_attribute() {
    let wrong = state_value().with("port", Value::string("5432"));
    let error = EndpointServiceModel::from_value(&wrong).unwrap_err();
    assert_eq!(error.path, AttributePath::root("port"));
    assert_eq!(
        error.to_string(),
        "`port` holds a string where the schema has a whole number"
    );

    let fraction = state_value().with(
        "health_check",
        Value::object([(
            "interval_seconds",
            Value::number(tfplugin::value::Number::from_f64(1.5).unwrap()),
        )]),
    );
    let error = EndpointServiceModel::from_value(&fraction).unwrap_err();
    assert_eq!(
        error.path,
        AttributePath::root("health_check").attribute("interval_seconds")
    );

    let element = state_value().with("registered_targets", Value::list([Value::bool(true)]));
    let error = EndpointServiceModel::from_value(&element).unwrap_err();
    assert_eq!(
        error.path,
        AttributePath::root("registered_targets").index(0)
    );

    // Set elements have no index: an error points at the set.
    let element = state_value().with("subnet_ids", Value::set([Value::bool(true)]));
    let error = EndpointServiceModel::from_value(&element).unwrap_err();
    assert_eq!(error.path, AttributePath::root("subnet_ids"));
}

/// The model and the schema name the same attributes and blocks: an attribute added to one and
/// not the other fails here, not in Terraform.
#[test]
fn the_model_covers_the_schema_exactly() {
    let schema = schema();
    let expected: BTreeSet<String> = schema
        .block
        .attributes
        .iter()
        .map(|attribute| attribute.name.clone())
        .chain(schema.block.blocks.iter().map(|block| block.name.clone()))
        .collect();
    let written: BTreeSet<String> = EndpointServiceModel::default()
        .to_value()
        .entries()
        .expect("an object")
        .keys()
        .cloned()
        .collect();
    assert_eq!(written, expected);

    let nested = |name: &str| -> BTreeSet<String> {
        let block = schema
            .block
            .blocks
            .iter()
            .find(|block| block.name == name)
            .expect("block");
        block
            .block
            .attributes
            .iter()
            .map(|a| a.name.clone())
            .collect()
    };
    let keys = |value: Value| -> BTreeSet<String> {
        value.entries().expect("object").keys().cloned().collect()
    };
    assert_eq!(
        keys(HealthCheck::default().encode()),
        nested("health_check")
    );
    assert_eq!(keys(Timeouts::default().encode()), nested("timeouts"));
}

/// Import starts from a state in which every attribute is null.
#[test]
fn the_import_skeleton_is_every_attribute_null() {
    let skeleton = EndpointServiceModel::default().to_value();
    let entries = skeleton.entries().expect("an object");
    assert!(entries.values().all(Value::is_null), "{skeleton:?}");
    assert_eq!(
        EndpointServiceModel::from_value(&skeleton),
        Ok(Some(EndpointServiceModel::default()))
    );
}

#[test]
fn parts_map_to_bundle_ids_and_back() {
    let bundle = Bundle {
        service_id: "vpce-svc-1".into(),
        service_name: "com.amazonaws.vpce.eu-west-1.vpce-svc-1".into(),
        nlb_arn: "arn:nlb".into(),
        nlb_dns_name: "nlb.example".into(),
        target_group_arn: "arn:tg".into(),
        listener_arn: "arn:listener".into(),
        availability_zones: vec!["eu-west-1a".into()],
    };
    let parts = Parts::from(&bundle);
    assert_eq!(parts.ids(), PartialBundle::from(&bundle));

    let mut partial = parts.clone();
    partial.record(&PartialBundle {
        target_group_arn: Some("arn:tg".into()),
        ..PartialBundle::default()
    });
    assert_eq!(partial.target_group_arn, text("arn:tg"));
    assert_eq!(partial.nlb_arn, Field::Null);
    assert_eq!(partial.id, Field::Null);
    assert_eq!(
        partial.nlb_dns_name,
        text("nlb.example"),
        "only the ids are recorded"
    );

    let gone_listener = Parts {
        listener_arn: Field::Null,
        ..parts.clone()
    }
    .missing_as_unknown();
    assert!(gone_listener.listener_arn.is_unknown());
    assert_eq!(gone_listener.nlb_arn, parts.nlb_arn);
    assert_eq!(Parts::default().ids(), PartialBundle::default());
}

#[test]
fn health_check_defaults_fill_what_the_block_leaves_out() {
    let defaults = HealthCheck::settings(&Field::Null);
    assert_eq!(
        (
            defaults.interval_seconds,
            defaults.healthy_threshold,
            defaults.unhealthy_threshold
        ),
        (10, 2, 2)
    );
    let partial = Field::Known(HealthCheck {
        interval_seconds: Field::Known(30),
        ..HealthCheck::default()
    });
    assert_eq!(HealthCheck::settings(&partial).interval_seconds, 30);
    assert_eq!(HealthCheck::settings(&partial).healthy_threshold, 2);

    // Read back: the default stays an absent block, anything else (or a block that was there)
    // is written out in full.
    assert_eq!(HealthCheck::observed(defaults, &Field::Null), Field::Null);
    let observed = HealthCheck::observed(defaults, &partial);
    assert_eq!(
        observed
            .known()
            .map(|check| check.healthy_threshold.clone()),
        Some(Field::Known(2))
    );
    let slower = aws::HealthCheck {
        interval_seconds: 30,
        ..defaults
    };
    assert!(
        HealthCheck::observed(slower, &Field::Null)
            .known()
            .is_some()
    );
}

#[test]
fn registered_targets_are_sorted_addresses() {
    let ips: Vec<Ipv4Addr> = vec![
        [10, 0, 0, 9].into(),
        [10, 0, 0, 10].into(),
        [10, 0, 0, 2].into(),
    ];
    let list = ip_list(&ips);
    assert_eq!(list.elements(), ["10.0.0.2", "10.0.0.9", "10.0.0.10"]);
    let parsed: std::collections::BTreeSet<Ipv4Addr> = list
        .elements()
        .iter()
        .map(|ip| ip.parse().expect("an address"))
        .collect();
    assert_eq!(parsed, ips.into_iter().collect());
}

fn any_field<T: std::fmt::Debug + Clone + 'static>(
    known: impl Strategy<Value = T> + 'static,
) -> BoxedStrategy<Field<T>> {
    prop_oneof![
        1 => Just(Field::Null),
        1 => Just(Field::unknown()),
        1 => Just(Field::Unknown(Refinements::from_raw(vec![0x80]))),
        4 => known.prop_map(Field::Known),
    ]
    .boxed()
}

fn any_text() -> BoxedStrategy<Field<String>> {
    any_field("[a-z0-9-]{0,12}")
}

fn any_number() -> BoxedStrategy<Field<i64>> {
    any_field(any::<i64>())
}

fn any_bool() -> BoxedStrategy<Field<bool>> {
    any_field(any::<bool>())
}

fn any_list() -> BoxedStrategy<Field<List<String>>> {
    any_field(prop::collection::vec(any_text(), 0..4).prop_map(List))
}

fn any_set() -> BoxedStrategy<Field<Set<String>>> {
    any_field(prop::collection::vec(any_text(), 0..4).prop_map(Set))
}

fn any_map() -> BoxedStrategy<Field<Map<String>>> {
    any_field(prop::collection::btree_map("[a-z]{1,6}", any_text(), 0..4).prop_map(Map))
}

prop_compose! {
    fn any_database()(
        db_instance_identifier in any_text(),
        db_cluster_identifier in any_text(),
        db_proxy_name in any_text(),
        endpoint in any_text(),
        role in any_text(),
    ) -> Database {
        Database { db_instance_identifier, db_cluster_identifier, db_proxy_name, endpoint, role }
    }
}

prop_compose! {
    fn any_parts()(
        id in any_text(),
        service_name in any_text(),
        nlb_arn in any_text(),
        nlb_dns_name in any_text(),
        target_group_arn in any_text(),
        listener_arn in any_text(),
        availability_zones in any_list(),
    ) -> Parts {
        Parts { id, service_name, nlb_arn, nlb_dns_name, target_group_arn, listener_arn, availability_zones }
    }
}

prop_compose! {
    fn any_sync_settings()(
        (enabled, events, schedule) in (any_bool(), any_text(), any_text()),
        (dns_wait_seconds, memory_size, log_retention_days) in (any_number(), any_number(), any_number()),
        (permissions_boundary, role_arn) in (any_text(), any_text()),
        (subnet_ids, security_group_ids) in (any_set(), any_set()),
    ) -> SyncModel {
        SyncModel {
            enabled, events, schedule, dns_wait_seconds, memory_size, log_retention_days,
            permissions_boundary, role_arn, subnet_ids, security_group_ids, ..SyncModel::default()
        }
    }
}

prop_compose! {
    fn any_sync_model()(
        settings in any_sync_settings(),
        (function_name, function_arn, code_sha256) in (any_text(), any_text(), any_text()),
        (log_group_name, event_rule_arn, schedule_arn) in (any_text(), any_text(), any_text()),
        (sns_topic_arn, event_subscription_arn) in (any_text(), any_text()),
        drift in any_list(),
    ) -> SyncModel {
        SyncModel {
            function_name, function_arn, code_sha256, log_group_name, event_rule_arn, schedule_arn,
            sns_topic_arn, event_subscription_arn, drift, ..settings
        }
    }
}

prop_compose! {
    fn any_blocks()(
        health_check in any_field(
            (any_number(), any_number(), any_number()).prop_map(|(interval_seconds, healthy_threshold, unhealthy_threshold)| {
                HealthCheck { interval_seconds, healthy_threshold, unhealthy_threshold }
            })
        ),
        timeouts in any_field(
            (any_text(), any_text(), any_text()).prop_map(|(create, update, delete)| Timeouts { create, update, delete })
        ),
    ) -> (Field<HealthCheck>, Field<Timeouts>) {
        (health_check, timeouts)
    }
}

prop_compose! {
    fn any_model()(
        (name, vpc_id) in (any_text(), any_text()),
        database in any_database(),
        (port, deregistration_delay_seconds) in (any_number(), any_number()),
        (subnet_ids, security_group_ids, registered_targets) in (any_set(), any_set(), any_list()),
        (cross_zone_load_balancing, acceptance_required, terminate_connections_on_deregistration)
            in (any_bool(), any_bool(), any_bool()),
        (allowed_principals, supported_regions) in (any_set(), any_set()),
        (tags, tags_all) in (any_map(), any_map()),
        parts in any_parts(),
        (database_addresses, service_nlb_arns) in (any_list(), any_list()),
        (health_check, timeouts) in any_blocks(),
        sync in any_field(any_sync_model()),
        connections in any_field(prop::collection::vec(any_field(
            (any_text(), any_text(), any_text()).prop_map(|(vpc_endpoint_id, owner, state)| {
                Connection { vpc_endpoint_id, owner, state }
            })
        ), 0..3).prop_map(List)),
    ) -> EndpointServiceModel {
        EndpointServiceModel {
            name, database, port, vpc_id, subnet_ids, security_group_ids, cross_zone_load_balancing,
            allowed_principals, acceptance_required, supported_regions, deregistration_delay_seconds,
            terminate_connections_on_deregistration, tags, tags_all, parts, registered_targets,
            database_addresses, service_nlb_arns, health_check, connections, sync, timeouts,
        }
    }
}

proptest! {
    /// Whatever the model holds (nulls and unknowns anywhere), writing it out and reading it back
    /// gives it back, and the value is of the schema's type.
    #[test]
    fn any_model_survives_a_round_trip(model in any_model()) {
        let value = model.to_value();
        prop_assert_eq!(EndpointServiceModel::from_value(&value), Ok(Some(model)));
        let ty = schema().value_type();
        let wire = tfplugin::value::msgpack::encode(&value, &ty).expect("the schema's type");
        prop_assert_eq!(tfplugin::value::msgpack::decode(&wire, &ty), Ok(value));
    }
}

/// The database tag holds the selector's `Display` form, and reads back into the same selector
/// and the attributes a configuration naming it holds.
#[test]
fn the_database_tag_records_the_selector_and_reads_back() {
    use rdslink_engine::{ClusterRole, DatabaseSelector};

    let selectors = [
        DatabaseSelector::Instance("billing".into()),
        DatabaseSelector::Cluster {
            identifier: "orders".into(),
            role: ClusterRole::Reader,
        },
        DatabaseSelector::Proxy("orders-proxy".into()),
        DatabaseSelector::Endpoint("db.example.internal".into()),
    ];
    for selector in selectors {
        let database = Database::of_selector(&selector);
        assert_eq!(database.selector(), Some(selector.clone()));
        let model = EndpointServiceModel {
            database,
            tags_all: Field::Known(Map::of([("team".to_owned(), "data".to_owned())])),
            ..EndpointServiceModel::default()
        };
        let tags = model.part_tags();
        assert_eq!(tags.get("team").map(String::as_str), Some("data"));
        let recorded = tags.get(aws::DATABASE_TAG).expect("the database tag");
        assert_eq!(Database::parse_tag(recorded), Some(selector));
    }

    // A cluster planned without a role is the writer; the computed `endpoint` of another
    // selector is not the selector.
    let planned = Database {
        db_cluster_identifier: text("orders"),
        endpoint: text("orders.cluster-x.eu-west-1.rds.amazonaws.com"),
        ..Database::default()
    };
    assert_eq!(
        planned.selector().map(|s| s.to_string()).as_deref(),
        Some("cluster:orders:writer")
    );
    assert_eq!(
        EndpointServiceModel::default().part_tags(),
        Default::default()
    );

    for foreign in [
        "",
        "instance:",
        "cluster:orders",
        "cluster::writer",
        "cluster:orders:primary",
        "table:x",
    ] {
        assert_eq!(Database::parse_tag(foreign), None, "{foreign:?}");
    }
    // Hostnames and cluster identifiers keep their own colons out of the way: the role is last.
    assert_eq!(
        Database::parse_tag("endpoint:db.example.internal"),
        Some(DatabaseSelector::Endpoint("db.example.internal".into()))
    );
}
