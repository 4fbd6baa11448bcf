# A consumer endpoint is imported by its endpoint id. The import reads back the endpoint, its
# security group (the one tagged `rdslink:consumer-endpoint`), the port and the allowed clients from
# that group's rules, and the private names from the hosted zones tagged as the endpoint's.
# What it cannot know: `timeouts`, and `service_region` (configuration only).
terraform import rdslink_consumer_endpoint.orders vpce-0123456789abcdef0
