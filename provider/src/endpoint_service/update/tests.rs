use super::*;

fn text(value: &str) -> Field<String> {
    Field::Known(value.to_owned())
}

/// A state whose four parts all exist, with a setting the failed update must not lose.
fn prior() -> EndpointServiceModel {
    let mut prior = EndpointServiceModel::default();
    prior.parts.id = text("vpce-svc-1");
    prior.parts.nlb_arn = text("arn:nlb");
    prior.parts.target_group_arn = text("arn:tg-old");
    prior.parts.listener_arn = text("arn:listener-old");
    prior.registered_targets = Field::Known(List::of(["10.0.0.1".to_owned()]));
    prior
}

fn bundle(target_group: Option<&str>, listener: Option<&str>) -> PartialBundle {
    PartialBundle {
        service_id: Some("vpce-svc-1".to_owned()),
        load_balancer_arn: Some("arn:nlb".to_owned()),
        target_group_arn: target_group.map(str::to_owned),
        listener_arn: listener.map(str::to_owned),
    }
}

#[test]
fn a_failed_update_records_the_parts_it_recreated_instead_of_the_deleted_ones() {
    let progress = bundle(Some("arn:tg-new"), Some("arn:listener-new"));
    let state = failed(&prior(), &progress).expect("a new state naming the recreated parts");
    assert_eq!(state.parts.ids(), progress);
    assert_eq!(state.parts.target_group_arn, text("arn:tg-new"));
    assert_eq!(state.parts.listener_arn, text("arn:listener-new"));
    // Only the ids move: the rest is the prior state, as the update did not finish.
    let mut expected = prior();
    expected.parts.target_group_arn = text("arn:tg-new");
    expected.parts.listener_arn = text("arn:listener-new");
    assert_eq!(state, expected);
}

#[test]
fn a_failed_update_records_a_part_deleted_out_of_band_and_not_rebuilt_as_null() {
    // The target group was recreated, the listener deleted out of band is still missing.
    let progress = bundle(Some("arn:tg-new"), None);
    let state = failed(&prior(), &progress).expect("a new state");
    assert_eq!(state.parts.target_group_arn, text("arn:tg-new"));
    assert_eq!(state.parts.listener_arn, Field::Null);
    assert_eq!(state.parts.id, text("vpce-svc-1"));
    assert_eq!(state.parts.nlb_arn, text("arn:nlb"));
}

#[test]
fn a_failed_update_that_changed_no_part_keeps_the_prior_state() {
    let progress = bundle(Some("arn:tg-old"), Some("arn:listener-old"));
    assert_eq!(failed(&prior(), &progress), None);
}
