"""Where moto's behaviour differs from AWS's in a way rdslink depends on, make it AWS's.

Imported by moto_watchdog.py before the server starts. Each patch follows the AWS API reference
of the call it changes, and nothing else: product code never special-cases the emulator.
"""

import threading

from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.responses.vpc_service_configuration import VPCEndpointServiceConfiguration


class IdempotentParameterMismatch(EC2ClientError):
    # moto serializes an error by the service its exception's module names (moto.<service>...).
    __module__ = "moto.ec2.exceptions"

    def __init__(self, token: str) -> None:
        super().__init__(
            "IdempotentParameterMismatch",
            f"The client token {token} was already used with different parameters.",
        )


_create_service = VPCEndpointServiceConfiguration.create_vpc_endpoint_service_configuration
# (account, region, client token) -> (the request's parameters, the service id it made)
_services_by_token: dict = {}
_lock = threading.Lock()


def _create_service_idempotently(self) -> ActionResult:
    """CreateVpcEndpointServiceConfiguration with a ClientToken (EC2 API reference, "Ensure
    idempotency"): a repeated request with the same token and parameters returns the service the
    first one made instead of making another; the same token with other parameters is refused with
    IdempotentParameterMismatch. moto ignores the token, so an SDK retry after a lost answer made a
    second service."""
    token = self._get_param("ClientToken")
    if not token:
        return _create_service(self)
    parameters = (
        tuple(sorted(self._get_param("NetworkLoadBalancerArns", []))),
        tuple(sorted(self._get_param("GatewayLoadBalancerArns", []))),
        str(self._get_param("AcceptanceRequired", True)),
    )
    key = (self.current_account, self.region, token)
    with _lock:
        earlier = _services_by_token.get(key)
        if earlier is not None:
            earlier_parameters, service_id = earlier
            if earlier_parameters != parameters:
                raise IdempotentParameterMismatch(token)
            config = self.ec2_backend.configurations.get(service_id)
            if config is not None:
                return ActionResult({"ServiceConfiguration": config, "ClientToken": token})
        before = set(self.ec2_backend.configurations)
        result = _create_service(self)
        made = [sid for sid in self.ec2_backend.configurations if sid not in before]
        if len(made) == 1:
            _services_by_token[key] = (parameters, made[0])
        return result


VPCEndpointServiceConfiguration.create_vpc_endpoint_service_configuration = (
    _create_service_idempotently
)


from moto.elbv2.models import ELBv2Backend  # noqa: E402

_create_target_group = ELBv2Backend.create_target_group
_create_load_balancer = ELBv2Backend.create_load_balancer


def _create_target_group_idempotently(self, name, **kwargs):
    """CreateTargetGroup (ELBv2 API reference): "This operation is idempotent, which means that it
    completes at most one time. If you attempt to create multiple target groups with the same
    settings, each call succeeds." moto refuses any second call with DuplicateTargetGroupName; a
    group of that name with other settings is still refused so."""
    for group in self.target_groups.values():
        if (
            group.name == name
            and str(group.port) == str(kwargs.get("port"))
            and (group.protocol or "") == (kwargs.get("protocol") or group.protocol or "")
            and group.vpc_id == kwargs.get("vpc_id")
            and group.target_type == (kwargs.get("target_type") or group.target_type)
        ):
            return group
    return _create_target_group(self, name, **kwargs)


def _create_load_balancer_idempotently(self, name, security_groups, subnet_ids, *args, **kwargs):
    """CreateLoadBalancer (ELBv2 API reference): "This operation is idempotent [...] If you attempt
    to create multiple load balancers with the same settings, each call succeeds." moto refuses any
    second call with DuplicateLoadBalancerName; one of that name with other settings still is."""
    for balancer in self.load_balancers.values():
        if (
            balancer.name == name
            and sorted(subnet.id for subnet in balancer.subnets) == sorted(subnet_ids or [])
            and sorted(balancer.security_groups or []) == sorted(security_groups or [])
            and balancer.scheme == kwargs.get("scheme", balancer.scheme)
            and balancer.type == (kwargs.get("loadbalancer_type") or balancer.type)
        ):
            return balancer
    return _create_load_balancer(self, name, security_groups, subnet_ids, *args, **kwargs)


ELBv2Backend.create_target_group = _create_target_group_idempotently
ELBv2Backend.create_load_balancer = _create_load_balancer_idempotently


import copy  # noqa: E402

from moto.elbv2.exceptions import DuplicateListenerError  # noqa: E402
from moto.elbv2.models import FakeAction  # noqa: E402

_create_listener = ELBv2Backend.create_listener


def _create_listener_idempotently(
    self, load_balancer_arn, protocol, port, ssl_policy, certificate, actions, *args, **kwargs
):
    """CreateListener (ELBv2 API reference): "This operation is idempotent, which means that it
    completes at most one time. If you attempt to create multiple listeners with the same settings,
    each call succeeds." A listener on that port with other settings is refused with
    DuplicateListener. moto looks the port up among its listeners' ARNs, so it never refuses, and
    makes a second listener on the same port."""
    balancer = self.load_balancers.get(load_balancer_arn)
    if balancer is not None:
        wanted = [FakeAction(copy.deepcopy(action)).data for action in actions]
        for listener in balancer.listeners.values():
            if str(listener.port) != str(port):
                continue
            if listener.protocol == (protocol or "").upper() and [
                action.data for action in listener.default_actions
            ] == wanted:
                return listener
            raise DuplicateListenerError()
    return _create_listener(
        self, load_balancer_arn, protocol, port, ssl_policy, certificate, actions, *args, **kwargs
    )


ELBv2Backend.create_listener = _create_listener_idempotently
