"""The consumer side of PrivateLink, across accounts and regions, as AWS does it.

Imported at the end of moto_faithful.py (from this directory, which is on sys.path). moto keeps an
endpoint service in its owner's account and region only: another account cannot create an
interface endpoint to it (InvalidServiceName), DescribeVpcEndpointServices lists only the caller's
own services, and there are no endpoint connections (DescribeVpcEndpointConnections,
AcceptVpcEndpointConnections and RejectVpcEndpointConnections are not implemented).
CreateVpcEndpoint ignores ClientToken and ServiceRegion and takes subnets in any zone. Each patch
below follows the EC2 API reference of the call it changes and the PrivateLink guide; where they say
nothing of an answer, it follows what AWS is seen to answer, and names where that was seen.

A connection is kept on the endpoint service (the producer's account) and points at the consumer's
endpoint: the connection's VpcEndpointState is the endpoint's State, so accepting, rejecting and
deleting change both views at once, as in AWS.
"""

import hashlib
import re
import string
import threading

from moto.core.responses import ActionResult
from moto.ec2.exceptions import (
    EC2ClientError,
    InvalidFilter,
    InvalidNextToken,
    InvalidServiceName,
    UnknownVpcEndpointService,
)
from moto.ec2.models import ec2_backends
from moto.ec2.models.vpc_service_configuration import VPCServiceConfiguration
from moto.ec2.models.vpcs import MAX_NUMBER_OF_ENDPOINT_SERVICES_RESULTS, VPCBackend
from moto.ec2.responses.vpc_service_configuration import VPCEndpointServiceConfiguration
from moto.ec2.responses.vpcs import VPCs
from moto.ec2.utils import add_tag_specification, random_id
from moto.moto_api._internal import mock_random
from moto.utilities.utils import get_partition
from moto_faithful import IdempotentParameterMismatch

# Interface endpoints, endpoint services and their connections change together: a service must not
# be deleted between the check that it has no active connection and the deletion, nor gain a
# connection meanwhile.
_lock = threading.RLock()

# com.amazonaws.vpce.<region>.vpce-svc-<id>: the name of an endpoint service a customer created
# (CreateVpcEndpointServiceConfiguration, ServiceName). AWS services are named
# com.amazonaws.<region>.<service> and keep moto's own handling.
_CUSTOM_SERVICE_NAME = re.compile(r"com\.amazonaws\.vpce\.([a-z0-9-]+)\.(vpce-svc-[0-9a-f]+)\Z")

# The hosted zone of the vpce.amazonaws.com names of a region (DnsEntry.HostedZoneId): one per
# region, the same for the regional and the zonal names. us-east-1's is AWS's; for other regions a
# stable id of the same form stands in.
_VPCE_HOSTED_ZONES = {"us-east-1": "Z7HUB22UULQXV"}

# Connection states that keep an endpoint service from being deleted (DeleteVpcEndpointService
# Configurations: "Before you delete the endpoint service configuration, you must reject any
# Available or PendingAcceptance interface endpoint connections that are attached to the service").
_ACTIVE_STATES = ("pendingAcceptance", "available")


def _hosted_zone_id(region: str) -> str:
    known = _VPCE_HOSTED_ZONES.get(region)
    if known is not None:
        return known
    return "Z" + hashlib.sha256(region.encode()).hexdigest().upper()[:12]


# --- Which services an account may use -----------------------------------------------------------


def _backends_in_region(region: str) -> list:
    """The EC2 backends of every account that has one in the region, without creating any (reading a
    BackendDict by key creates the account's backend)."""
    found = []
    for account_id in list(dict.keys(ec2_backends)):
        account = dict.get(ec2_backends, account_id)
        backend = dict.get(account, region) if account is not None else None
        if backend is not None:
            found.append(backend)
    return found


def _may_use(config, account_id: str) -> bool:
    """Whether an account may see and connect to an endpoint service (PrivateLink guide, "Manage
    permissions"; ModifyVpcEndpointServicePermissions, AddAllowedPrincipals): its owner always; any
    account when "*" is allowed; an account whose root ARN (arn:<partition>:iam::<account>:root) is
    allowed. An allowed IAM role or user admits only that principal in AWS; moto cannot tell which
    principal signed a request, so any allowed IAM ARN of the account admits the whole account here.
    A service an account may not use is invisible to it."""
    if account_id == config.ec2_backend.account_id:
        return True
    partition = get_partition(config.ec2_backend.region_name)
    account_arn = f"arn:{partition}:iam::{account_id}:"
    return any(
        principal == "*" or principal.startswith(account_arn) for principal in config.principals
    )


def _usable_service(service_name: str, region: str, account_id: str):
    """The endpoint service named so in the region, if the account may use it; else None."""
    match = _CUSTOM_SERVICE_NAME.match(service_name or "")
    if match is None or match.group(1) != region:
        return None
    for backend in _backends_in_region(region):
        config = backend.configurations.get(match.group(2))
        if config is not None and config.service_name == service_name:
            return config if _may_use(config, account_id) else None
    return None


def _acceptance_required(config) -> bool:
    value = config.acceptance_required
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


# --- Connections ---------------------------------------------------------------------------------


class _Connection:
    """A VpcEndpointConnection (EC2 API reference): an interface endpoint of some account connected
    to an endpoint service, as the service's owner sees it."""

    def __init__(self, config, endpoint) -> None:
        self.config = config
        self.endpoint = endpoint
        self.connection_id = random_id("vpce-con", 17)

    @property
    def state(self) -> str:
        return self.endpoint.state

    @state.setter
    def state(self, value: str) -> None:
        self.endpoint.state = value

    def to_dict(self) -> dict:
        return {
            "ServiceId": self.config.id,
            "VpcEndpointId": self.endpoint.id,
            "VpcEndpointOwner": self.endpoint.ec2_backend.account_id,
            "VpcEndpointState": self.state,
            "CreationTimestamp": self.endpoint.creation_timestamp,
            "DnsEntries": list(self.endpoint.dns_entries or []),
            "NetworkLoadBalancerArns": list(self.config.network_load_balancer_arns),
            "GatewayLoadBalancerArns": list(self.config.gateway_load_balancer_arns),
            "IpAddressType": "ipv4",
            "VpcEndpointConnectionId": self.connection_id,
            "VpcEndpointRegion": self.endpoint.ec2_backend.region_name,
        }


def _connections_of(config) -> dict:
    """The connections of an endpoint service, by endpoint id, in the order they were made."""
    connections = getattr(config, "_privatelink_connections", None)
    if connections is None:
        connections = {}
        config._privatelink_connections = connections
    return connections


# --- Regions and zones of an endpoint service --------------------------------------------------


def _other_regions(config) -> list:
    """The regions besides its own whose consumers may reach the service (cross-Region access), in
    the order they were added, each once."""
    home = config.ec2_backend.region_name
    return [region for region in dict.fromkeys(config._supported_region_names) if region != home]


def _supported_regions(config) -> list:
    """ServiceConfiguration.SupportedRegions (EC2 API reference), as
    CreateVpcEndpointServiceConfiguration and DescribeVpcEndpointServiceConfigurations report it:
    "The supported Regions", each a SupportedRegionDetail with its Region and ServiceState. The
    service's own region is always one of them, first: a service created without SupportedRegions
    lists exactly its region, one created with its region and another lists the two once each (the
    Terraform AWS provider's acceptance tests of aws_vpc_endpoint_service, run against AWS, check
    both: TestAccVPCEndpointService_basic and _crossRegion). AWS documents no answer to removing the
    service's own region; here it stays listed. moto lists only the regions it was given, as given
    (none by default, duplicates kept)."""
    home = config.ec2_backend.region_name
    return [
        {"Region": region, "ServiceState": "Available"}
        for region in [home] + _other_regions(config)
    ]


VPCServiceConfiguration.supported_regions = property(_supported_regions)


def _service_zones(config) -> set:
    """The ids of the availability zones the service is offered in: those of its load balancers'
    subnets, read from the load balancers as they are now ("Create a Network Load Balancer [...] and
    configure it for each subnet (Availability Zone) in which the service should be available",
    PrivateLink guide, "VPC endpoint services for interface endpoints"). moto keeps the zone names
    its load balancers had when the service was created."""
    balancers = config.ec2_backend.elbv2_backend.load_balancers
    zones = set()
    for arn in list(config.network_load_balancer_arns) + list(config.gateway_load_balancer_arns):
        balancer = balancers.get(arn)
        for subnet in balancer.subnets if balancer is not None else []:
            zones.add(subnet.availability_zone_id)
    return zones


def _require_service_zones(backend, config, subnet_ids) -> None:
    """An interface endpoint's subnets must be in zones the service is offered in ("A service
    consumer that has been granted permissions creates an interface endpoint to your service,
    optionally in each Availability Zone in which you configured your service", PrivateLink guide,
    "VPC endpoint services for interface endpoints"). Zones are compared by zone id, the physical
    zone: the guide's considerations for creating an endpoint service say that a zone name such as
    us-east-1a can map to different physical zones in different accounts and that AZ IDs identify a
    service's zones consistently (in moto every account maps names to ids alike). AWS
    refuses the first subnet outside them with InvalidParameter "The VPC endpoint service
    <service name> does not support the availability zone of the subnet: <subnet id>." (the code and
    message AWS answers, as quoted from CreateVpcEndpoint errors in public issue reports:
    terraform-aws-modules/terraform-aws-vpc#462 and #785, aws/aws-sdk-go-v2#1024 for a vpce-svc
    service; the EC2 API reference documents no message). moto creates the endpoint in any zone."""
    zones = _service_zones(config)
    for subnet_id in subnet_ids or []:
        if backend.get_subnet(subnet_id).availability_zone_id not in zones:
            raise EC2ClientError(
                "InvalidParameter",
                f"The VPC endpoint service {config.service_name} does not support the "
                f"availability zone of the subnet: {subnet_id}.",
            )


# --- CreateVpcEndpoint ---------------------------------------------------------------------------

_create_vpc_endpoint = VPCBackend.create_vpc_endpoint


def _dns_entries(backend, endpoint, config) -> list:
    """The DNS names of an interface endpoint to an endpoint service (PrivateLink guide, "DNS
    hostnames"): first the regional name <endpoint id>-<8 random characters>.<service id>.
    <service region>.vpce.amazonaws.com, then one zonal name per subnet with -<availability zone>
    (the endpoint's zone) after the random part, all in the hosted zone of the service region's
    vpce names. The guide writes the service's region into both names; for an endpoint in the
    service's own region it is the endpoint's region too."""
    region = config.ec2_backend.region_name
    random_part = "".join(
        mock_random.choice(string.ascii_lowercase + string.digits) for _ in range(8)
    )
    domain = f"{config.id}.{region}.vpce.amazonaws.com"
    zone = _hosted_zone_id(region)
    entries = [{"DnsName": f"{endpoint.id}-{random_part}.{domain}", "HostedZoneId": zone}]
    for subnet_id in endpoint.subnet_ids or []:
        zone_name = backend.get_subnet(subnet_id).availability_zone
        entries.append(
            {"DnsName": f"{endpoint.id}-{random_part}-{zone_name}.{domain}", "HostedZoneId": zone}
        )
    return entries


def _create_vpc_endpoint_to_any_account(self, vpc_id, service_name, endpoint_type, *args, **kwargs):
    """CreateVpcEndpoint (EC2 API reference) to an endpoint service: the service may be in any
    account that allows the caller (PrivateLink guide, "Manage permissions"); one the caller may not
    use, like one that does not exist, is refused with InvalidServiceName. ServiceRegion is "The
    Region where the service is hosted. The default is the current Region": a service in another
    region (cross-Region access, PrivateLink guide) is reached only with ServiceRegion naming the
    region its name says, and only if the service lists the caller's region among its supported
    regions (CreateVpcEndpointServiceConfiguration SupportedRegions, "The Regions from which service
    consumers can access the service"). AWS documents no error of its own for a region the service
    does not support; like a ServiceRegion that is not the service's (which AWS answers with
    InvalidServiceName "The Vpc Endpoint Service '<name>' does not exist", as the Terraform AWS
    provider's acceptance test TestAccVPCEndpoint_invalidCrossRegionService checks), it is refused
    here with InvalidServiceName. A cross-region endpoint reports ServiceRegion (VpcEndpoint
    ServiceRegion, "The Region where the service is hosted"); the API reference says nothing of it
    for an endpoint in the service's own region, where it is left out, as moto leaves it.

    An interface endpoint's subnets must be in zones the service is offered in
    (_require_service_zones). For a cross-region endpoint AWS does not compare them with the
    service's zones, which are in another region: it accepts the zones of the caller's region that
    support remote access ("Only the following availability zones are supported for remote access:
    use1-az1, use1-az2, ...", InvalidParameter, quoted in chanzuckerberg/cztack#865), and every
    zone moto models is taken to support it, so no zone is refused there.

    An interface endpoint to the service is pendingAcceptance while the service requires
    acceptance, else available (PrivateLink guide, "Accept and reject connection requests"), and
    appears as a connection of the service to its owner (DescribeVpcEndpointConnections). An
    interface endpoint without SecurityGroupId.N gets "the default security group for the VPC".
    moto finds services only in the caller's account and region, refuses none, ignores
    ServiceRegion, makes every endpoint available in any zone and names it
    <endpoint id>-<random>.<service name>."""
    home = self.region_name
    service_region = kwargs.pop("service_region", None) or home
    is_interface = (endpoint_type or "").lower() == "interface"
    if is_interface and not kwargs.get("security_group_ids"):
        default_group = self.get_default_security_group(vpc_id) if vpc_id in self.vpcs else None
        if default_group is not None:
            kwargs["security_group_ids"] = [default_group.id]
    if not _CUSTOM_SERVICE_NAME.match(service_name or ""):
        return _create_vpc_endpoint(self, vpc_id, service_name, endpoint_type, *args, **kwargs)
    with _lock:
        config = _usable_service(service_name, service_region, self.account_id)
        if config is None:
            raise InvalidServiceName(service_name)
        cross_region = service_region != home
        if cross_region and (not is_interface or home not in _other_regions(config)):
            raise InvalidServiceName(service_name)
        if is_interface and not cross_region:
            _require_service_zones(self, config, kwargs.get("subnet_ids"))
        endpoint = _create_vpc_endpoint(self, vpc_id, service_name, endpoint_type, *args, **kwargs)
        if cross_region:
            endpoint.service_region = service_region
        if is_interface:
            endpoint.dns_entries = _dns_entries(self, endpoint, config)
            endpoint.state = "pendingAcceptance" if _acceptance_required(config) else "available"
            _connections_of(config)[endpoint.id] = _Connection(config, endpoint)
        return endpoint


VPCBackend.create_vpc_endpoint = _create_vpc_endpoint_to_any_account


# Request parameters that do not take part in comparing a repeated CreateVpcEndpoint with the first.
_NOT_COMPARED = ("Action", "Version", "ClientToken")
# (account, region, client token) -> (the first request's parameters, the endpoint it made)
_endpoints_by_token: dict = {}


def _create_vpc_endpoint_idempotently(self) -> ActionResult:
    """CreateVpcEndpoint with a ClientToken (EC2 API reference: "Unique, case-sensitive identifier
    that you provide to ensure the idempotency of the request"). EC2 developer guide, "Ensuring
    idempotency in Amazon EC2 API requests": "Idempotency ensures that an API request completes no
    more than one time"; a retry of a request that succeeded, with the same client token and the
    same parameters, succeeds without doing anything more, though "the result might contain updated
    information, such as the current creation status"; a retry with the same token and one or more
    other parameters (other than the Region or Availability Zone) fails with
    IdempotentParameterMismatch. So the endpoint the first request made comes back as it is now, and
    every other parameter of the request, ServiceRegion and tags included, must be the same. A token
    belongs to its account and region, and only a request that succeeded claims it. moto ignores
    the token (an SDK retry after a lost answer made a second endpoint) and ServiceRegion (see
    _create_vpc_endpoint_to_any_account)."""
    token = self._get_param("ClientToken")
    parameters = tuple(
        sorted(
            (name, tuple(values))
            for name, values in self.querystring.items()
            if name not in _NOT_COMPARED
        )
    )
    key = (self.current_account, self.region, token)
    with _lock:
        if token:
            earlier = _endpoints_by_token.get(key)
            if earlier is not None:
                earlier_parameters, endpoint = earlier
                if earlier_parameters != parameters:
                    raise IdempotentParameterMismatch(token)
                return ActionResult({"VpcEndpoint": endpoint, "ClientToken": token})
        endpoint = self.ec2_backend.create_vpc_endpoint(
            vpc_id=self._get_param("VpcId"),
            service_name=self._get_param("ServiceName"),
            endpoint_type=self._get_param("VpcEndpointType"),
            policy_document=self._get_param("PolicyDocument"),
            route_table_ids=self._get_param("RouteTableIds", []),
            subnet_ids=self._get_param("SubnetIds", []),
            client_token=token,
            security_group_ids=self._get_param("SecurityGroupIds", []),
            tags=add_tag_specification(self._get_param("TagSpecifications", [])),
            private_dns_enabled=self._get_bool_param("PrivateDnsEnabled", if_none=True),
            service_region=self._get_param("ServiceRegion"),
        )
        result = {"VpcEndpoint": endpoint}
        if token:
            _endpoints_by_token[key] = (parameters, endpoint)
            result["ClientToken"] = token
        return ActionResult(result)


VPCs.create_vpc_endpoint = _create_vpc_endpoint_idempotently


# --- DescribeVpcEndpointServices -----------------------------------------------------------------


def _service_detail(config) -> dict:
    """A ServiceDetail (EC2 API reference) of an endpoint service, as any account allowed to use it
    sees it. AWS reports no endpoint policy support for such services, and omits PrivateDnsName(s)
    when the service has none (moto reports policy support and an empty private DNS name)."""
    detail = {
        "ServiceName": config.service_name,
        "ServiceId": config.id,
        "ServiceType": [{"ServiceType": config._service_type_name}],
        "AvailabilityZones": sorted(set(config.availability_zones)),
        "Owner": config.ec2_backend.account_id,
        "BaseEndpointDnsNames": [config.endpoint_dns_name],
        "VpcEndpointPolicySupported": False,
        "AcceptanceRequired": _acceptance_required(config),
        "ManagesVpcEndpoints": bool(config.manages_vpc_endpoints),
        "SupportedIpAddressTypes": ["ipv4"],
    }
    if config.private_dns_name:
        detail["PrivateDnsName"] = config.private_dns_name
        detail["PrivateDnsNames"] = [{"PrivateDnsName": config.private_dns_name}]
    return detail


def _describe_vpc_endpoint_services_across_accounts(
    self, service_names, filters, max_results, next_token, region
):
    """DescribeVpcEndpointServices (EC2 API reference): "Describes available services to which you
    can create a VPC endpoint", that is AWS's services and the endpoint services of any account that
    allow the caller (the same rule as CreateVpcEndpoint); a name in ServiceName.N the caller cannot
    use answers InvalidServiceName. moto lists only the caller's own endpoint services, and reads a
    filter's values from "Value" where requests carry "Values"."""
    default_services = self._collect_default_endpoint_services(self.account_id, region)
    custom_services = [
        _service_detail(config)
        for backend in _backends_in_region(region)
        for config in list(backend.configurations.values())
        if _may_use(config, self.account_id)
    ]
    all_services = default_services + custom_services
    known = {service["ServiceName"] for service in all_services}
    for service_name in service_names:
        if service_name not in known:
            raise InvalidServiceName(service_name)
    filters = [
        {**item, "Value": item.get("Values", item.get("Value", []))} for item in filters or []
    ]
    found = sorted(
        self._filter_endpoint_services(service_names, filters, all_services),
        key=lambda service: service["ServiceName"],
    )
    start = 0
    service_ids = [service["ServiceId"] for service in found]
    if next_token:
        if next_token not in service_ids:
            raise InvalidNextToken(next_token)
        start = service_ids.index(next_token)
    if not max_results or max_results > MAX_NUMBER_OF_ENDPOINT_SERVICES_RESULTS:
        max_results = MAX_NUMBER_OF_ENDPOINT_SERVICES_RESULTS
    page = found[start : start + max_results]
    following = None
    if len(found) > start + max_results:
        following = found[start + max_results]["ServiceId"]
    return {
        "servicesDetails": page,
        "serviceNames": [service["ServiceName"] for service in page],
        "nextToken": following,
    }


VPCBackend.describe_vpc_endpoint_services = _describe_vpc_endpoint_services_across_accounts


# --- DescribeVpcEndpointConnections --------------------------------------------------------------

# Filter.N of DescribeVpcEndpointConnections (EC2 API reference) and what each compares.
_CONNECTION_FILTERS = {
    "ip-address-type": lambda connection: "ipv4",
    "service-id": lambda connection: connection.config.id,
    "vpc-endpoint-owner": lambda connection: connection.endpoint.ec2_backend.account_id,
    "vpc-endpoint-region": lambda connection: connection.endpoint.ec2_backend.region_name,
    "vpc-endpoint-state": lambda connection: connection.state,
    "vpc-endpoint-id": lambda connection: connection.endpoint.id,
}


def _describe_vpc_endpoint_connections(self) -> ActionResult:
    """DescribeVpcEndpointConnections (EC2 API reference): "Describes the VPC endpoint connections
    to your VPC endpoint services, including any endpoints that are pending your acceptance", with
    the filters ip-address-type, service-id, vpc-endpoint-owner, vpc-endpoint-region,
    vpc-endpoint-state and vpc-endpoint-id, paged by MaxResults (5 to 1,000; more is 1,000) and
    NextToken. A deleted endpoint's connection stays listed as deleted. moto lacks the call."""
    filters = self._filters_from_querystring()
    for name in filters:
        if name not in _CONNECTION_FILTERS:
            raise InvalidFilter(name, error_type="InvalidParameterValue")
    with _lock:
        connections = [
            connection
            for config in list(self.ec2_backend.configurations.values())
            for connection in _connections_of(config).values()
        ]
        found = [
            connection.to_dict()
            for connection in connections
            if all(
                _CONNECTION_FILTERS[name](connection) in values for name, values in filters.items()
            )
        ]
    max_results = self._get_int_param("MaxResults")
    if max_results is not None and max_results < 5:
        raise EC2ClientError(
            "InvalidParameterValue",
            f"MaxResults must be between 5 and 1000, got {max_results}",
        )
    max_results = min(max_results or 1000, 1000)
    next_token = self._get_param("NextToken")
    start = 0
    if next_token:
        ids = [connection["VpcEndpointConnectionId"] for connection in found]
        if next_token not in ids:
            raise InvalidNextToken(next_token)
        start = ids.index(next_token)
    page = found[start : start + max_results]
    following = (
        found[start + max_results]["VpcEndpointConnectionId"]
        if len(found) > start + max_results
        else None
    )
    return ActionResult({"VpcEndpointConnections": page, "NextToken": following})


# --- AcceptVpcEndpointConnections / RejectVpcEndpointConnections ---------------------------------


def _unsuccessful(resource_id: str, code: str, message: str) -> dict:
    return {"ResourceId": resource_id, "Error": {"Code": code, "Message": message}}


def _decide_connections(response, transitions: dict, verb: str) -> ActionResult:
    """Accept or reject the connections of one of the caller's endpoint services: a service id that
    is not the caller's answers InvalidVpcEndpointServiceId.NotFound; an endpoint id that is not a
    connection of the service (or whose endpoint was deleted) comes back in Unsuccessful with
    InvalidVpcEndpoint.NotFound (EC2 error codes: "If you are performing a bulk request that is
    partially successful or unsuccessful, the response includes a list of the unsuccessful items"),
    one in a state the decision cannot apply to with IncorrectState; the others are decided."""
    service_id = response._get_param("ServiceId")
    endpoint_ids = response._get_param("VpcEndpointIds", [])
    config = response.ec2_backend.configurations.get(service_id)
    if config is None:
        raise UnknownVpcEndpointService(service_id)
    unsuccessful = []
    with _lock:
        connections = _connections_of(config)
        for endpoint_id in endpoint_ids:
            connection = connections.get(endpoint_id)
            if connection is None or connection.state == "deleted":
                unsuccessful.append(
                    _unsuccessful(
                        endpoint_id,
                        "InvalidVpcEndpoint.NotFound",
                        f"The Vpc Endpoint Id '{endpoint_id}' does not exist",
                    )
                )
            elif connection.state not in transitions:
                unsuccessful.append(
                    _unsuccessful(
                        endpoint_id,
                        "IncorrectState",
                        f"Cannot {verb} VPC endpoint '{endpoint_id}' in state "
                        f"{connection.state}",
                    )
                )
            else:
                connection.state = transitions[connection.state]
    return ActionResult({"Unsuccessful": unsuccessful})


def _accept_vpc_endpoint_connections(self) -> ActionResult:
    """AcceptVpcEndpointConnections (EC2 API reference): "Accepts connection requests to your VPC
    endpoint service"; an accepted endpoint becomes available (PrivateLink guide, "Accept and reject
    connection requests"). moto lacks the call."""
    return _decide_connections(
        self, {"pendingAcceptance": "available", "available": "available"}, "accept"
    )


def _reject_vpc_endpoint_connections(self) -> ActionResult:
    """RejectVpcEndpointConnections (EC2 API reference): "Rejects VPC endpoint connection requests
    to your VPC endpoint service"; "You can reject an endpoint connection after it's in the
    available state" (PrivateLink guide). The endpoint becomes rejected. moto lacks the call."""
    return _decide_connections(
        self,
        {"pendingAcceptance": "rejected", "available": "rejected", "rejected": "rejected"},
        "reject",
    )


VPCEndpointServiceConfiguration.describe_vpc_endpoint_connections = (
    _describe_vpc_endpoint_connections
)
VPCEndpointServiceConfiguration.accept_vpc_endpoint_connections = _accept_vpc_endpoint_connections
VPCEndpointServiceConfiguration.reject_vpc_endpoint_connections = _reject_vpc_endpoint_connections


# --- DeleteVpcEndpointServiceConfigurations ------------------------------------------------------


def _delete_services_without_active_connections(self) -> ActionResult:
    """DeleteVpcEndpointServiceConfigurations (EC2 API reference): "Before you delete the endpoint
    service configuration, you must reject any Available or PendingAcceptance interface endpoint
    connections that are attached to the service." A service that still has one is kept and comes
    back in Unsuccessful with ExistingVpcEndpointConnections (EC2 error codes: "You cannot delete a
    VPC endpoint service configuration [...] if there are endpoints attached to the service"); an
    unknown id with InvalidVpcEndpointService.NotFound, as moto already answers. moto deletes a
    service whatever its connections."""
    service_ids = self._get_param("ServiceIds", [])
    unsuccessful = []
    with _lock:
        configurations = self.ec2_backend.configurations
        deletable = []
        for service_id in service_ids:
            config = configurations.get(service_id)
            if config is None:
                unsuccessful.append(
                    _unsuccessful(
                        service_id,
                        "InvalidVpcEndpointService.NotFound",
                        f"The VpcEndpointService Id '{service_id}' does not exist",
                    )
                )
            elif any(
                connection.state in _ACTIVE_STATES
                for connection in _connections_of(config).values()
            ):
                unsuccessful.append(
                    _unsuccessful(
                        service_id,
                        "ExistingVpcEndpointConnections",
                        "Service has existing active VPC Endpoint connections!",
                    )
                )
            else:
                deletable.append(service_id)
        self.ec2_backend.delete_vpc_endpoint_service_configurations(deletable)
    return ActionResult({"Unsuccessful": unsuccessful})


VPCEndpointServiceConfiguration.delete_vpc_endpoint_service_configurations = (
    _delete_services_without_active_connections
)
