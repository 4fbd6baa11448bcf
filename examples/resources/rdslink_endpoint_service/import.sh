# An endpoint service is imported by its id, with the load balancer, listener and target group it is
# wired to (rdslink or a hand-built stack alike).
#
# What an import reads back: every part and every setting AWS holds; `name`, from the ownership tag
# `rdslink:endpoint-service`; and the database selector (`db_instance_identifier`,
# `db_cluster_identifier` with `role`, `db_proxy_name` or `endpoint`), from the tag
# `rdslink:database` that rdslink writes on every part at create and update (neither tag ever shows
# in `tags` or `tags_all`). Imported into a configuration that matches, the next `terraform plan`
# is empty.
#
# What an import cannot know: `timeouts` (configuration only). For a bundle built by hand, `name`
# and the database selector; for one built by a provider version before schema version 1 and not
# updated since, the database selector. The configuration supplies them and the first plan shows
# them as an in-place update (naming a hand-built bundle adopts it in place, see `name`).
terraform import rdslink_endpoint_service.orders vpce-svc-0123456789abcdef0
