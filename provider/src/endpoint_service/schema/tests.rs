//! The schema's own rules: flags, validators and descriptions.

use super::*;
use crate::endpoint_service::model::{Set, SyncModel};

#[test]
fn the_schema_is_one_terraform_accepts() {
    assert_eq!(schema().validate(), Ok(()));
}

#[test]
fn ids() {
    assert!(aws_id("vpc-0123456789abcdef0", "vpc").is_ok());
    assert!(aws_id("subnet-0aaa1111", "subnet").is_ok());
    assert!(aws_id("subnet-0aaa", "subnet").is_err());
    assert!(aws_id("sg-0123456789abcdef0", "subnet").is_err());
    assert!(aws_id("vpc-0123456789abcdefg", "vpc").is_err());
}

#[test]
fn principals() {
    assert!(principal_arn("arn:aws:iam::222222222222:root").is_ok());
    assert!(principal_arn("arn:aws:iam::222222222222:role/consumer").is_ok());
    assert!(principal_arn("arn:aws:iam::222222222222:user/alice").is_ok());
    assert!(principal_arn("arn:aws:iam::222222222222:group/devs").is_err());
    assert!(principal_arn("arn:aws:s3:::bucket").is_err());
    assert!(principal_arn("222222222222").is_err());
}

#[test]
fn subnets_replace_only_when_the_set_changes_or_is_not_known() {
    let list = |ids: &[&str]| Value::set_of_strings(ids.iter().copied());
    let before = list(&["subnet-0aaa1111", "subnet-0bbb2222"]);
    assert!(!other_subnets(
        &before,
        &list(&["subnet-0bbb2222", "subnet-0aaa1111"])
    ));
    assert!(other_subnets(&before, &list(&["subnet-0aaa1111"])));
    assert!(other_subnets(&before, &Value::unknown()));
    assert!(other_subnets(
        &before,
        &Value::set([Value::string("subnet-0aaa1111"), Value::unknown()])
    ));
}

#[test]
fn id_sets_point_at_the_set() {
    let mut diags = Diagnostics::new();
    let path = AttributePath::root("subnet_ids");
    validate_subnet_ids(&Value::set_of_strings(["subnet-x"]), &path, &mut diags);
    let errors: Vec<_> = diags.iter().collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].attribute.as_ref(), Some(&path), "{errors:?}");
}

#[test]
fn id_lists_point_at_the_element() {
    let mut diags = Diagnostics::new();
    let path = AttributePath::root("subnet_ids");
    let subnets = Value::list_of_strings(["subnet-0aaa1111", "subnet-x", "subnet-0aaa1111"]);
    validate_subnet_ids(&subnets, &path, &mut diags);
    let errors: Vec<_> = diags.iter().map(|d| d.to_string()).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].contains("Invalid subnet id"), "{errors:?}");
    assert!(errors[1].contains("Duplicate subnet id"), "{errors:?}");
    assert!(
        errors[1].contains("listed twice in `subnet_ids`"),
        "{errors:?}"
    );

    let mut diags = Diagnostics::new();
    validate_subnet_ids(&Value::list([]), &path, &mut diags);
    assert!(diags.iter().any(|d| d.to_string().contains("No subnets")));
}

#[test]
fn a_wildcard_principal_needs_acceptance_required() {
    let config = |acceptance: Value| {
        EndpointServiceModel::default()
            .to_value()
            .with("db_instance_identifier", Value::string("orders"))
            .with("allowed_principals", Value::set_of_strings(["*"]))
            .with("acceptance_required", acceptance)
    };
    let errors = |config: Value| {
        let mut diags = Diagnostics::new();
        validate(&config, &mut diags);
        diags.iter().map(|d| d.to_string()).collect::<Vec<_>>()
    };
    assert_eq!(errors(config(Value::bool(true))), Vec::<String>::new());
    for refused in [Value::bool(false), Value::Null, Value::unknown()] {
        let found = errors(config(refused));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("needs acceptance_required"), "{found:?}");
    }
}

#[test]
fn a_vpc_attachment_needs_both_subnets_and_security_groups() {
    let config = |subnets: Field<Set<String>>, groups: Field<Set<String>>| {
        EndpointServiceModel {
            sync: Field::Known(SyncModel {
                subnet_ids: subnets,
                security_group_ids: groups,
                ..SyncModel::default()
            }),
            ..EndpointServiceModel::default()
        }
        .to_value()
        .with("db_instance_identifier", Value::string("orders"))
        .with(
            "allowed_principals",
            Value::set_of_strings(["arn:aws:iam::222222222222:root"]),
        )
    };
    let errors = |config: Value| {
        let mut diags = Diagnostics::new();
        validate(&config, &mut diags);
        diags.iter().map(|d| d.to_string()).collect::<Vec<_>>()
    };
    let some = |id: &str| Field::Known(Set::of([id.to_owned()]));
    assert_eq!(
        errors(config(Field::Null, Field::Null)),
        Vec::<String>::new()
    );
    assert_eq!(
        errors(config(some("subnet-0aaa"), some("sg-0bbb"))),
        Vec::<String>::new()
    );
    assert_eq!(
        errors(config(some("subnet-0aaa"), Field::unknown())),
        Vec::<String>::new(),
        "unknown until apply: checked then"
    );
    let found = errors(config(some("subnet-0aaa"), Field::Null));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("Missing security_group_ids"), "{found:?}");
    let found = errors(config(Field::Null, some("sg-0bbb")));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("Missing subnet_ids"), "{found:?}");
}
