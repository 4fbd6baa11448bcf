//! The whole plan, as Terraform gets it: the generic step (the schema's flags) and then
//! [`plan_change`], on states and configurations written as models.

use tfplugin::crud::final_replacements;
use tfplugin::plan::default_plan;
use tfplugin::provider::PlanRequest;
use tfplugin::value::Value;

use super::*;
use crate::endpoint_service::aws::Bundle;
use crate::endpoint_service::model::{Database as Selector, List, Parts, Set};
use crate::endpoint_service::schema::schema;

const ENDPOINT: &str = "orders.cluster-x.eu-west-1.rds.amazonaws.com";

fn tags(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
    entries
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn default_tags() -> BTreeMap<String, String> {
    tags(&[("managed-by", "rdslink")])
}

fn text(value: &str) -> Field<String> {
    Field::Known(value.to_owned())
}

fn strings(values: &[&str]) -> Field<List<String>> {
    Field::Known(List::of(values.iter().map(|v| v.to_string())))
}

fn string_set(values: &[&str]) -> Field<Set<String>> {
    Field::Known(Set::of(values.iter().map(|v| v.to_string())))
}

/// The writer of cluster "orders" behind a bundle: only what the user writes.
fn config() -> EndpointServiceModel {
    EndpointServiceModel {
        name: text("orders"),
        database: Selector {
            db_cluster_identifier: text("orders"),
            ..Selector::default()
        },
        vpc_id: text("vpc-0123456789abcdef0"),
        subnet_ids: string_set(&["subnet-0bbb2222", "subnet-0aaa1111"]),
        allowed_principals: Field::Known(Set::of(["arn:aws:iam::222222222222:root".to_owned()])),
        ..EndpointServiceModel::default()
    }
}

/// The state once `config()` is applied, the writer at 10.0.0.1:5432.
fn applied() -> EndpointServiceModel {
    let bundle = Bundle {
        service_id: "vpce-svc-0123456789abcdef0".into(),
        service_name: "com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0".into(),
        nlb_arn: "arn:nlb".into(),
        nlb_dns_name: "rdslink-orders.elb.amazonaws.com".into(),
        target_group_arn: "arn:tg".into(),
        listener_arn: "arn:listener".into(),
        availability_zones: vec!["eu-west-1a".into(), "eu-west-1b".into()],
    };
    let mut state = config();
    state.database.endpoint = text(ENDPOINT);
    state.database.role = text("writer");
    state.port = Field::Known(5432);
    state.cross_zone_load_balancing = Field::Known(true);
    state.acceptance_required = Field::Known(false);
    state.deregistration_delay_seconds = Field::Known(0);
    state.terminate_connections_on_deregistration = Field::Known(true);
    state.tags_all = Field::Known(Map::of(default_tags()));
    state.parts = Parts::from(&bundle);
    state.registered_targets = strings(&["10.0.0.1"]);
    state.database_addresses = strings(&["10.0.0.1"]);
    state.service_nlb_arns = strings(&["arn:nlb"]);
    // What the apply recorded of the sync deployment: what the plan of this configuration says.
    state.sync = crate::endpoint_service::sync::plan(&state, &scope());
    state
}

fn scope() -> Scope {
    Scope::new("eu-west-1", "111111111111")
}

/// Terraform's proposal: the configuration, with the prior state's value for each computed
/// attribute the configuration leaves null.
fn proposed(prior: &Value, config: &Value) -> Value {
    let mut proposed = config.clone();
    if prior.is_null() {
        return proposed;
    }
    for attribute in &schema().block.attributes {
        if attribute.is_computed() && config.get(&attribute.name).is_null() {
            proposed.set_attribute(attribute.name.clone(), prior.get(&attribute.name).clone());
        }
    }
    proposed
}

/// The plan of `config` over `prior` (`None`: create). Nothing else goes in: no database, no AWS.
fn plan(
    prior: Option<&EndpointServiceModel>,
    config: &EndpointServiceModel,
) -> (PlannedChange, Vec<String>) {
    let prior_value = prior.map_or(Value::Null, EndpointServiceModel::to_value);
    let config_value = config.to_value();
    let generic = default_plan(
        &schema(),
        PlanRequest {
            prior_state: prior_value.clone(),
            proposed_new_state: proposed(&prior_value, &config_value),
            config: config_value.clone(),
            prior_private: Vec::new(),
        },
    );
    let mut change = PlannedChange {
        prior: prior_value,
        config: config_value.clone(),
        planned: generic.planned_state,
        requires_replace: Vec::new(),
        private: generic.planned_private,
    };
    let planned = EndpointServiceModel::from_value(&change.planned)
        .expect("a plan of this schema")
        .expect("not a destroy");
    let configuration = Configuration {
        model: config.clone(),
        value: &config_value,
    };
    let mut diags = Diagnostics::new();
    plan_change(
        &mut change,
        &prior.cloned().unwrap_or_default(),
        &configuration,
        planned,
        &default_tags(),
        &scope(),
        &mut diags,
    );
    // What the CRUD adapter answers Terraform: the flags judged on the final plan, plus ours.
    change.requires_replace = final_replacements(&schema(), &change);
    let said = diags.iter().map(ToString::to_string).collect();
    (change, said)
}

fn planned(change: &PlannedChange) -> EndpointServiceModel {
    EndpointServiceModel::from_value(&change.planned)
        .unwrap()
        .unwrap()
}

fn replaced(change: &PlannedChange) -> Vec<String> {
    change
        .requires_replace
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn an_unchanged_configuration_plans_no_change() {
    let (change, said) = plan(Some(&applied()), &config());
    assert_eq!(said, Vec::<String>::new());
    assert_eq!(planned(&change), applied());
    assert!(change.requires_replace.is_empty());
}

/// The state after a refresh that found the writer moved to 10.0.0.2.
fn failed_over() -> EndpointServiceModel {
    EndpointServiceModel {
        database_addresses: strings(&["10.0.0.2"]),
        ..applied()
    }
}

#[test]
fn a_failover_found_at_refresh_plans_an_update_with_unknown_targets_and_a_warning() {
    let (change, said) = plan(Some(&failed_over()), &config());
    let expected = EndpointServiceModel {
        registered_targets: Field::unknown(),
        database_addresses: Field::unknown(),
        ..applied()
    };
    assert_eq!(planned(&change), expected);
    assert!(change.requires_replace.is_empty());
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with("warning: The database's primary moved"),
        "{said:?}"
    );
    assert!(
        said[0].contains("holds 10.0.0.1, the database answers 10.0.0.2"),
        "{said:?}"
    );
}

/// Terraform plans again during apply (with values unknown at plan time now known) and rejects a
/// final plan that changes a value the first plan knew; a saved plan is applied later. So the
/// known values depend on configuration and prior state only: the same inputs plan the same,
/// and the final plan keeps every value the first one knew.
#[test]
fn plans_are_deterministic_and_the_final_plan_keeps_every_known_value() {
    let unknown_tag = EndpointServiceModel {
        tags: Field::Known(Map([("build".to_owned(), Field::unknown())].into())),
        ..config()
    };
    let known_tag = EndpointServiceModel {
        tags: Field::Known(Map::of(tags(&[("build", "2")]))),
        ..config()
    };
    for prior in [applied(), failed_over()] {
        for config in [config(), unknown_tag.clone(), known_tag.clone()] {
            let first = plan(Some(&prior), &config);
            let again = plan(Some(&prior), &config);
            assert_eq!(first.0.planned, again.0.planned);
            assert_eq!(first.1, again.1);
        }
        let first = planned(&plan(Some(&prior), &unknown_tag).0).to_value();
        let last = planned(&plan(Some(&prior), &known_tag).0).to_value();
        assert_known_values_kept(&first, &last, "");
    }
    let first = planned(&plan(None, &unknown_tag).0).to_value();
    let last = planned(&plan(None, &known_tag).0).to_value();
    assert_known_values_kept(&first, &last, "");
}

/// Every known value of `first` is the same in `last` (Terraform's check of a final plan).
fn assert_known_values_kept(first: &Value, last: &Value, at: &str) {
    match first {
        Value::Unknown(_) => {}
        Value::Object(entries) | Value::Map(entries) => {
            for (key, value) in entries {
                assert_known_values_kept(value, last.get(key), &format!("{at}.{key}"));
            }
        }
        _ if !first.is_fully_known() => {}
        _ => assert_eq!(
            first, last,
            "{at} moved between the first and the final plan"
        ),
    }
}

#[test]
fn a_changed_setting_keeps_the_ids_and_the_port_and_plans_the_targets_unknown() {
    let retagged = EndpointServiceModel {
        tags: Field::Known(Map::of(tags(&[("team", "data")]))),
        ..config()
    };
    let (change, said) = plan(Some(&applied()), &retagged);
    assert_eq!(said, Vec::<String>::new());
    let planned = planned(&change);
    assert_eq!(planned.parts, applied().parts);
    assert_eq!(planned.port, Field::Known(5432));
    assert_eq!(planned.database.endpoint, text(ENDPOINT));
    assert_eq!(planned.database.role, text("writer"));
    assert_eq!(planned.service_nlb_arns, strings(&["arn:nlb"]));
    assert!(planned.registered_targets.is_unknown());
    assert!(planned.database_addresses.is_unknown());
    assert_eq!(
        planned.tags_all,
        Field::Known(Map::of(tags(&[
            ("managed-by", "rdslink"),
            ("team", "data")
        ])))
    );
    assert_eq!(replaced(&change), Vec::<String>::new());
}

/// Another database may be on another port, but the plan cannot know: it keeps the port (the
/// apply refuses a database on another one, see `targets::settle`), so the update stays in place.
#[test]
fn a_changed_selector_keeps_the_port_plans_the_endpoint_unknown_and_updates_in_place() {
    let other = EndpointServiceModel {
        database: Selector {
            db_cluster_identifier: text("orders-2"),
            ..Selector::default()
        },
        ..config()
    };
    let (change, _) = plan(Some(&applied()), &other);
    let planned = planned(&change);
    assert_eq!(planned.port, Field::Known(5432));
    assert!(planned.database.endpoint.is_unknown());
    assert!(planned.registered_targets.is_unknown());
    assert_eq!(replaced(&change), Vec::<String>::new());

    let reader = EndpointServiceModel {
        database: Selector {
            db_cluster_identifier: text("orders"),
            role: text("reader"),
            ..Selector::default()
        },
        ..config()
    };
    let (change, _) = plan(Some(&applied()), &reader);
    assert!(self::planned(&change).database.endpoint.is_unknown());
}

#[test]
fn an_unknown_selector_plans_endpoint_port_and_targets_unknown() {
    let unknown = EndpointServiceModel {
        database: Selector {
            db_cluster_identifier: Field::unknown(),
            ..Selector::default()
        },
        ..config()
    };
    let (change, _) = plan(Some(&applied()), &unknown);
    let planned = planned(&change);
    assert!(planned.database.endpoint.is_unknown());
    assert!(planned.port.is_unknown());
    assert!(planned.registered_targets.is_unknown());
    // The port may turn out another one, which cannot change in place.
    assert_eq!(replaced(&change), ["port"]);
}

#[test]
fn an_endpoint_service_repointed_outside_terraform_is_planned_back() {
    let repointed = EndpointServiceModel {
        service_nlb_arns: strings(&["arn:stranger"]),
        ..applied()
    };
    let (change, _) = plan(Some(&repointed), &config());
    let planned = planned(&change);
    assert_eq!(planned.service_nlb_arns, strings(&["arn:nlb"]));
    assert!(planned.registered_targets.is_unknown());
    assert_eq!(planned.parts, applied().parts);
    assert!(change.requires_replace.is_empty());
}

#[test]
fn a_part_deleted_outside_terraform_is_planned_unknown_and_rebuilt_in_place() {
    let mut state = applied();
    state.parts.listener_arn = Field::Null;
    let (change, _) = plan(Some(&state), &config());
    let planned = planned(&change);
    assert!(planned.parts.listener_arn.is_unknown());
    assert_eq!(planned.parts.nlb_arn, applied().parts.nlb_arn);
    assert_eq!(planned.parts.id, applied().parts.id);
    assert!(planned.registered_targets.is_unknown());
    assert!(change.requires_replace.is_empty());
}

#[test]
fn a_create_plans_defaults_merged_tags_and_leaves_the_database_to_the_apply() {
    let (change, said) = plan(None, &config());
    assert_eq!(said, Vec::<String>::new());
    let planned = planned(&change);
    assert!(planned.parts.id.is_unknown());
    assert!(planned.parts.availability_zones.is_unknown());
    assert_eq!(planned.cross_zone_load_balancing, Field::Known(true));
    assert_eq!(
        planned.terminate_connections_on_deregistration,
        Field::Known(true)
    );
    assert_eq!(planned.deregistration_delay_seconds, Field::Known(0));
    assert_eq!(planned.acceptance_required, Field::Known(false));
    assert_eq!(planned.health_check, Field::Null);
    assert_eq!(planned.tags_all, Field::Known(Map::of(default_tags())));
    assert!(planned.registered_targets.is_unknown());
    assert!(planned.database_addresses.is_unknown());
    assert!(planned.service_nlb_arns.is_unknown());
    assert!(planned.database.endpoint.is_unknown());
    assert!(planned.port.is_unknown());
    assert_eq!(planned.database.role, text("writer"));
    assert!(change.requires_replace.is_empty());

    let with_port = EndpointServiceModel {
        port: Field::Known(6543),
        ..config()
    };
    assert_eq!(
        self::planned(&plan(None, &with_port).0).port,
        Field::Known(6543)
    );
}

#[test]
fn a_selector_other_than_a_cluster_keeps_the_role_of_the_state() {
    let instance = EndpointServiceModel {
        database: Selector {
            db_instance_identifier: text("billing"),
            ..Selector::default()
        },
        ..config()
    };
    let (change, _) = plan(None, &instance);
    assert_eq!(planned(&change).database.role, Field::Null);
}

#[test]
fn naming_an_imported_bundle_adopts_it_and_renaming_replaces() {
    let unnamed = EndpointServiceModel {
        name: Field::Null,
        ..applied()
    };
    let (change, _) = plan(Some(&unnamed), &config());
    assert_eq!(planned(&change).name, text("orders"));
    assert_eq!(replaced(&change), Vec::<String>::new());

    let renamed = EndpointServiceModel {
        name: text("orders-2"),
        ..config()
    };
    let (change, _) = plan(Some(&applied()), &renamed);
    assert_eq!(replaced(&change), ["name"]);
}

#[test]
fn network_changes_replace_but_reordered_subnets_do_not() {
    let reordered = EndpointServiceModel {
        subnet_ids: string_set(&["subnet-0aaa1111", "subnet-0bbb2222"]),
        ..config()
    };
    let (change, _) = plan(Some(&applied()), &reordered);
    assert_eq!(replaced(&change), Vec::<String>::new());

    let fewer = EndpointServiceModel {
        subnet_ids: string_set(&["subnet-0aaa1111"]),
        ..config()
    };
    assert_eq!(replaced(&plan(Some(&applied()), &fewer).0), ["subnet_ids"]);

    let other_vpc = EndpointServiceModel {
        vpc_id: text("vpc-0fedcba9876543210"),
        ..config()
    };
    assert_eq!(replaced(&plan(Some(&applied()), &other_vpc).0), ["vpc_id"]);

    let port = EndpointServiceModel {
        port: Field::Known(6543),
        ..config()
    };
    assert_eq!(replaced(&plan(Some(&applied()), &port).0), ["port"]);
}

#[test]
fn security_groups_from_none_to_some_replace_and_between_some_update() {
    let grouped = |ids: &[&str]| EndpointServiceModel {
        security_group_ids: string_set(ids),
        ..config()
    };
    let (change, _) = plan(Some(&applied()), &grouped(&["sg-0aaa1111"]));
    assert_eq!(replaced(&change), ["security_group_ids"]);

    let with_groups = EndpointServiceModel {
        security_group_ids: string_set(&["sg-0aaa1111"]),
        ..applied()
    };
    let (change, _) = plan(Some(&with_groups), &grouped(&["sg-0bbb2222"]));
    assert_eq!(replaced(&change), Vec::<String>::new());
}

#[test]
fn tags_all_is_the_default_tags_overridden_by_the_resources() {
    let defaults = tags(&[("managed-by", "rdslink"), ("team", "platform")]);
    let own = Field::Known(Map::of(tags(&[("team", "data")])));
    assert_eq!(
        tags_all(&own, &defaults),
        Field::Known(Map::of(tags(&[
            ("managed-by", "rdslink"),
            ("team", "data")
        ])))
    );
    assert_eq!(
        tags_all(&Field::Null, &defaults),
        Field::Known(Map::of(defaults.clone()))
    );
    let unknown_value = Field::Known(Map([("team".to_owned(), Field::unknown())].into()));
    assert!(tags_all(&unknown_value, &defaults).is_unknown());
    assert!(tags_all(&Field::unknown(), &defaults).is_unknown());
}

#[test]
fn security_groups_replace_only_between_none_and_some() {
    let with = |groups: &[&str]| EndpointServiceModel {
        security_group_ids: if groups.is_empty() {
            Field::Null
        } else {
            Field::Known(Set::of(groups.iter().map(|g| g.to_string())))
        },
        ..EndpointServiceModel::default()
    };
    assert!(!security_groups_need_replacement(
        &with(&["sg-1"]),
        &with(&["sg-2"])
    ));
    assert!(security_groups_need_replacement(
        &with(&["sg-1"]),
        &with(&[])
    ));
    assert!(security_groups_need_replacement(
        &with(&[]),
        &with(&["sg-1"])
    ));
    assert!(!security_groups_need_replacement(&with(&[]), &with(&[])));
    let unknown = EndpointServiceModel {
        security_group_ids: Field::unknown(),
        ..EndpointServiceModel::default()
    };
    assert!(!security_groups_need_replacement(
        &with(&["sg-1"]),
        &unknown
    ));
}
