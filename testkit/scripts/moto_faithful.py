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


# --- EventBridge: event patterns ------------------------------------------------------------------
#
# The sync Lambda is wired to RDS events by a rule's event pattern, and the tests check that pattern
# the way EventBridge evaluates it (TestEventPattern). moto lacks TestEventPattern (it answers an
# empty body), accepts patterns AWS refuses (unknown match types, empty objects; a pattern that is
# not an object is an internal error) and matches arrays of objects across elements. The engine
# below follows the EventBridge User Guide ("Event patterns", "Comparison operators", "Matching
# events on null values and empty strings", "Arrays in event patterns") and, where that is silent,
# the open-source Event Ruler that EventBridge documents as its matching engine.

import ipaddress  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402

from moto.events.exceptions import (  # noqa: E402
    InvalidEventPatternException,
    ValidationException as EventsValidationException,
)
from moto.events.models import EventPattern, EventPatternParser  # noqa: E402
from moto.events.responses import EventsHandler  # noqa: E402


class _Number:
    """A JSON number as EventBridge sees it: its text and its value. A number in a pattern matches
    an event's number that has the same text or the same value (Event Ruler adds both matchers);
    numeric and anything-but matching compare values."""

    __slots__ = ("text", "value")

    def __init__(self, text: str) -> None:
        self.text = text
        self.value = float(text)

    def same(self, other: object) -> bool:
        return isinstance(other, _Number) and (
            other.text == self.text or other.value == self.value
        )


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _load_json(text: str):
    """Parses JSON keeping numbers as `_Number`, so that 1 and true stay different values."""
    return json.loads(
        text, parse_int=_Number, parse_float=_Number, parse_constant=_refuse_constant
    )


class _PatternError(Exception):
    """An event pattern EventBridge refuses; the message is the reason AWS gives."""


_NUMERIC_OPERATORS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "=": lambda a, b: a == b,
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
}
# Match types cannot be field names inside "$or" (Event Ruler's reserved names).
_MATCH_TYPES = (
    "prefix",
    "suffix",
    "equals-ignore-case",
    "anything-but",
    "numeric",
    "exists",
    "cidr",
    "wildcard",
)


def _compile_pattern(pattern) -> list:
    """The pattern's branches: one per combination of "$or" alternatives, each a list of
    (dotted field name, matchers). An event matches if one branch matches."""
    if not isinstance(pattern, dict):
        raise _PatternError("Filter is not an object")
    branches = _compile_object(pattern, "", [{}], inside_or=False)
    return [list(branch.items()) for branch in branches]


def _compile_object(node: dict, prefix: str, branches: list, inside_or: bool) -> list:
    if not node:
        raise _PatternError("Empty objects are not allowed")
    for key, value in node.items():
        if key == "$or":
            if not isinstance(value, list):
                raise _PatternError("It must be an Array followed with $or.")
            if not all(isinstance(item, dict) for item in value):
                raise _PatternError("Only JSON object is allowed in array of $or relationship.")
            if len(value) < 2:
                raise _PatternError("There must have at least 2 Objects in $or relationship.")
            branches = [
                branch
                for alternative in value
                for branch in _compile_object(
                    alternative, prefix, [dict(b) for b in branches], inside_or=True
                )
            ]
            continue
        if inside_or and key in _MATCH_TYPES:
            raise _PatternError(
                f"{key} is Ruler reserved fieldName which cannot be used inside $or."
            )
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            branches = _compile_object(value, name, branches, inside_or)
        elif isinstance(value, list):
            if not value:
                raise _PatternError("Empty arrays are not allowed")
            matchers = [_compile_value(item) for item in value]
            branches = [{**branch, name: matchers} for branch in branches]
        else:
            raise _PatternError(f'"{key}" must be an object or an array')
    return branches


def _compile_value(value):
    if isinstance(value, dict):
        return _compile_match_expression(value)
    if value is None or isinstance(value, (str, bool)):
        return ("exact", value)
    if isinstance(value, _Number):
        return ("number", value)
    raise _PatternError("Match value must be String, number, true, false, or null")


def _string_or_ignore_case(kind: str, argument):
    """`{"prefix": "x"}` or `{"prefix": {"equals-ignore-case": "x"}}` (also suffix)."""
    if isinstance(argument, str):
        return (kind, argument, False)
    if (
        isinstance(argument, dict)
        and list(argument) == ["equals-ignore-case"]
        and isinstance(argument["equals-ignore-case"], str)
    ):
        return (kind, argument["equals-ignore-case"], True)
    raise _PatternError(f"{kind} match pattern must be a string")


def _wildcard_regex(text: str):
    """`*` matches any run of characters (none too); `\\*` is a star and `\\\\` a backslash."""
    if "**" in text:
        raise _PatternError(f"Consecutive wildcard characters at pos {text.index('**') + 1}")
    regex, index = "", 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            following = text[index + 1 : index + 2]
            if following not in ("*", "\\"):
                raise _PatternError(f"Invalid escape character at pos {index + 1}")
            regex += re.escape(following)
            index += 2
        elif char == "*":
            regex += ".*"
            index += 1
        else:
            regex += re.escape(char)
            index += 1
    return re.compile(regex, re.DOTALL)


def _strings(argument, what: str) -> list:
    items = argument if isinstance(argument, list) else [argument]
    if not items or not all(isinstance(item, str) for item in items):
        raise _PatternError(f"{what} match pattern must be a string")
    return items


def _compile_match_expression(expression: dict):
    if not expression:
        raise _PatternError("Match expression name not found")
    if len(expression) != 1:
        raise _PatternError("Only one key allowed in match expression")
    (kind, argument), = expression.items()
    if kind in ("prefix", "suffix"):
        return _string_or_ignore_case(kind, argument)
    if kind == "equals-ignore-case":
        if not isinstance(argument, str):
            raise _PatternError("equals-ignore-case match pattern must be a string")
        return ("equals-ignore-case", argument)
    if kind == "wildcard":
        if not isinstance(argument, str):
            raise _PatternError("wildcard match pattern must be a string")
        return ("wildcard", _wildcard_regex(argument))
    if kind == "exists":
        if not isinstance(argument, bool):
            raise _PatternError("exists match pattern must be either true or false.")
        return ("exists", argument)
    if kind == "cidr":
        if not isinstance(argument, str):
            raise _PatternError("prefix match pattern must be a string")
        try:
            return ("cidr", ipaddress.ip_network(argument, strict=False))
        except ValueError:
            raise _PatternError(f"Nonstandard IP address: {argument}")
    if kind == "numeric":
        return ("numeric", _compile_numeric(argument))
    if kind == "anything-but":
        return _compile_anything_but(argument)
    raise _PatternError(f"Unrecognized match type {kind}")


def _compile_numeric(argument) -> list:
    if not isinstance(argument, list):
        raise _PatternError("Value of numeric must be an array.")
    terms = list(argument)
    if not terms or not isinstance(terms[0], str):
        raise _PatternError(f"Invalid member in numeric match: {terms[0] if terms else ']'}")
    if terms[0] not in _NUMERIC_OPERATORS:
        raise _PatternError(f"Unrecognized numeric range operator: {terms[0]}")
    if len(terms) < 2 or not isinstance(terms[1], _Number):
        name = "equals" if terms[0] == "=" else terms[0]
        raise _PatternError(f"Value of {name} must be numeric")
    comparisons = [(terms[0], terms[1].value)]
    if len(terms) == 2:
        return comparisons
    if terms[0] not in (">", ">="):
        raise _PatternError("Too many elements in numeric expression")
    if not isinstance(terms[2], str):
        raise _PatternError(f"Bad value in numeric range: {terms[2]}")
    if terms[2] not in ("<", "<="):
        raise _PatternError(f"Bad numeric range operator: {terms[2]}")
    if len(terms) < 4 or not isinstance(terms[3], _Number):
        raise _PatternError(f"Value of {terms[2]} must be numeric")
    if len(terms) > 4:
        raise _PatternError("Too many terms in numeric range expression")
    if terms[3].value <= terms[1].value:
        raise _PatternError("Bottom must be less than top")
    return comparisons + [(terms[2], terms[3].value)]


def _compile_anything_but(argument):
    if isinstance(argument, dict):
        if len(argument) != 1:
            raise _PatternError("Only one key allowed in match expression")
        (kind, inner), = argument.items()
        if kind in ("prefix", "suffix"):
            items = _strings(inner, "prefix/suffix")
            if not all(items):
                raise _PatternError("Null prefix/suffix not allowed")
            return ("anything-but-" + kind, items)
        if kind == "equals-ignore-case":
            return ("anything-but-equals-ignore-case", [s.lower() for s in _strings(inner, kind)])
        if kind == "wildcard":
            return ("anything-but-wildcard", [_wildcard_regex(s) for s in _strings(inner, kind)])
        raise _PatternError(f"Unsupported anything-but pattern: {kind}")
    items = argument if isinstance(argument, list) else [argument]
    if not all(isinstance(item, (str, _Number)) for item in items):
        raise _PatternError("Inside anything but list, start|null|boolean is not supported.")
    numbers = [item for item in items if isinstance(item, _Number)]
    if not items or (numbers and len(numbers) != len(items)):
        raise _PatternError(
            "Inside anything but list, either all values are number or string, "
            "mixed type is not supported"
        )
    return ("anything-but", items)


def _value_matches(matcher, value) -> bool:
    """One matcher against one present leaf value (exists is decided by the caller)."""
    kind = matcher[0]
    if kind == "exact":
        expected = matcher[1]
        return type(value) is type(expected) and value == expected
    if kind == "number":
        return matcher[1].same(value)
    if kind == "anything-but":
        return not any(
            item.same(value) if isinstance(item, _Number) else item == value
            for item in matcher[1]
        )
    if kind.startswith("anything-but-"):
        # Values that are not strings are never the excluded strings.
        if not isinstance(value, str):
            return True
        if kind == "anything-but-prefix":
            return not any(value.startswith(item) for item in matcher[1])
        if kind == "anything-but-suffix":
            return not any(value.endswith(item) for item in matcher[1])
        if kind == "anything-but-equals-ignore-case":
            return value.lower() not in matcher[1]
        return not any(regex.fullmatch(value) for regex in matcher[1])
    if kind == "numeric":
        return isinstance(value, _Number) and all(
            _NUMERIC_OPERATORS[operator](value.value, operand)
            for operator, operand in matcher[1]
        )
    # The remaining match types apply to strings only.
    if not isinstance(value, str):
        return False
    if kind in ("prefix", "suffix"):
        _, text, ignore_case = matcher
        subject = value.lower() if ignore_case else value
        text = text.lower() if ignore_case else text
        return subject.startswith(text) if kind == "prefix" else subject.endswith(text)
    if kind == "equals-ignore-case":
        return value.lower() == matcher[1].lower()
    if kind == "wildcard":
        return matcher[1].fullmatch(value) is not None
    if kind == "cidr":
        try:
            return ipaddress.ip_address(value) in matcher[1]
        except ValueError:
            return False
    return False


def _flatten_event(node, prefix: str, relevant) -> list:
    """The event's leaves by dotted name, once per choice of one element in each array: Event Ruler
    never combines fields of different elements of one array. Only names the pattern uses are
    expanded. An empty array has no leaves, so its field does not exist."""
    if isinstance(node, dict):
        alternatives = [{}]
        for key, value in node.items():
            name = f"{prefix}.{key}" if prefix else key
            if not relevant(name):
                continue
            expanded = _flatten_event(value, name, relevant)
            alternatives = [{**have, **more} for have in alternatives for more in expanded]
        return alternatives
    if isinstance(node, list):
        expanded = [leaves for item in node for leaves in _flatten_event(item, prefix, relevant)]
        return expanded or [{}]
    return [{prefix: node}]


def _branch_matches(branch: list, leaves: dict) -> bool:
    for name, matchers in branch:
        present = name in leaves
        if not any(
            (matcher[1] == present)
            if matcher[0] == "exists"
            else (present and _value_matches(matcher, leaves[name]))
            for matcher in matchers
        ):
            return False
    return True


def _pattern_matches(branches: list, event) -> bool:
    names = {name for branch in branches for name, _ in branch}

    def relevant(name: str) -> bool:
        return any(used == name or used.startswith(name + ".") for used in names)

    alternatives = _flatten_event(event, "", relevant)
    return any(
        _branch_matches(branch, leaves) for branch in branches for leaves in alternatives
    )


def _compile_pattern_text(text):
    if not isinstance(text, str):
        text = json.dumps(text)  # CloudFormation hands moto patterns as objects
    try:
        pattern = _load_json(text)
    except ValueError:
        raise InvalidEventPatternException(reason="Filter is not valid JSON")
    try:
        return _compile_pattern(pattern)
    except _PatternError as err:
        raise InvalidEventPatternException(reason=str(err))


# TestEventPattern (EventBridge API reference): the Event "must follow the format specified in AWS
# Events, and the following fields are mandatory: id, account, source, time, region, resources,
# detail-type". AWS in fact accepts an event without `resources` (LocalStack records this against
# AWS); an event that is not JSON or lacks another field is refused with ValidationException.
_MANDATORY_EVENT_FIELDS = ("id", "account", "source", "time", "region", "detail-type")


def _test_event_pattern(self):
    """TestEventPattern: {"Result": true|false}; an invalid pattern is InvalidEventPatternException.
    moto does not implement it (an empty answer, which an SDK reads as Result=false)."""
    branches = _compile_pattern_text(self._get_param("EventPattern"))
    try:
        event = _load_json(self._get_param("Event") or "")
    except ValueError:
        event = None
    if not isinstance(event, dict) or not all(f in event for f in _MANDATORY_EVENT_FIELDS):
        raise EventsValidationException("Parameter Event is not valid.")
    return json.dumps({"Result": _pattern_matches(branches, event)}), self.response_headers


EventsHandler.test_event_pattern = _test_event_pattern

_parse_pattern = EventPatternParser.parse


def _parse_pattern_strictly(self):
    """PutRule (and archives) refuse every pattern EventBridge refuses, with its reason."""
    if self.pattern:
        _compile_pattern_text(self.pattern)
    return _parse_pattern(self)


def _matches_event_as_eventbridge(self, event) -> bool:
    """Rules deliver the events EventBridge would (PutEvents), with the same engine."""
    if not self._raw_pattern:
        return True
    branches = _compile_pattern_text(self._raw_pattern)
    return _pattern_matches(branches, _load_json(json.dumps(event, default=str)))


EventPatternParser.parse = _parse_pattern_strictly
EventPattern.matches_event = _matches_event_as_eventbridge


# --- Lambda ---------------------------------------------------------------------------------------

import fnmatch  # noqa: E402
import urllib.parse  # noqa: E402

from moto.awslambda.exceptions import (  # noqa: E402
    InvalidParameterValueException,
    LambdaClientError,
    ValidationException as LambdaValidationException,
)
from moto.awslambda.exceptions import InvalidRoleFormat  # noqa: E402
from moto.awslambda.models import (  # noqa: E402
    EventInvokeConfig,
    LambdaBackend,
    LambdaFunction,
    LambdaStorage,
)
from moto.awslambda.policy import Policy  # noqa: E402
from moto.iam.models import iam_backends  # noqa: E402

_LAMBDA_SERVICE = "lambda.amazonaws.com"


def _policy_document(text: str) -> dict:
    try:
        return json.loads(text)
    except ValueError:
        return json.loads(urllib.parse.unquote(text))


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def _action_applies(statement: dict, action: str) -> bool:
    def matches(patterns) -> bool:
        return any(fnmatch.fnmatchcase(action.lower(), p.lower()) for p in _listed(patterns))

    if "Action" in statement:
        return matches(statement["Action"])
    if "NotAction" in statement:
        return not matches(statement["NotAction"])
    return False


def _principal_applies(statement: dict, service: str) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    return service in _listed(principal.get("Service", [])) or "*" in _listed(
        principal.get("AWS", [])
    )


def _service_can_assume(trust_policy: dict, service: str) -> bool:
    """Whether the trust policy lets `service` call sts:AssumeRole: an Allow statement names it
    (or everyone) and no Deny does. Conditions are taken as met: the emulator cannot know the
    context the service would assume the role in."""
    allowed = False
    for statement in _listed(trust_policy.get("Statement", [])):
        if not _action_applies(statement, "sts:AssumeRole"):
            continue
        if not _principal_applies(statement, service):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def _require_role_lambda_can_assume(account_id: str, partition: str, role_arn) -> None:
    """CreateFunction / UpdateFunctionConfiguration (Lambda API reference, errors): Lambda assumes
    the execution role and answers InvalidParameterValueException "The role defined for the
    function cannot be assumed by Lambda." when it cannot, as when the role's trust policy does not
    name lambda.amazonaws.com. moto only checks that the role exists."""
    if not isinstance(role_arn, str) or not re.match(InvalidRoleFormat.pattern, role_arn):
        return  # moto refuses it with AWS's validation error
    for role in iam_backends[account_id][partition].get_roles():
        if role.arn == role_arn:
            if not _service_can_assume(
                _policy_document(role.assume_role_policy_document), _LAMBDA_SERVICE
            ):
                raise InvalidParameterValueException(
                    "The role defined for the function cannot be assumed by Lambda."
                )
            return


_put_function = LambdaStorage.put_function


def _put_function_with_assumable_role(self, fn):
    _require_role_lambda_can_assume(self.account_id, self.partition, fn.role)
    return _put_function(self, fn)


LambdaStorage.put_function = _put_function_with_assumable_role

# LoggingConfig (Lambda API reference, LoggingConfig): LogFormat JSON | Text, ApplicationLogLevel
# TRACE..FATAL and SystemLogLevel DEBUG | INFO | WARN (JSON only), LogGroup "/aws/lambda/<function
# name>" by default. Every function configuration carries it (Text and the default group unless
# set). moto drops it: GetFunctionConfiguration never returns one.
_LOG_FORMATS = ("JSON", "Text")
_APPLICATION_LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
_SYSTEM_LOG_LEVELS = ("DEBUG", "INFO", "WARN")
_LOG_GROUP = re.compile(r"[\.\-_/#A-Za-z0-9]+")
_LEVELS = ("ApplicationLogLevel", "SystemLogLevel")


def _logging_config(function_name: str, current: dict, requested: dict) -> dict:
    """The configuration after a request: fields it gives replace the current ones."""
    requested = {key: value for key, value in (requested or {}).items() if value is not None}
    for key, allowed in (
        ("LogFormat", _LOG_FORMATS),
        ("ApplicationLogLevel", _APPLICATION_LOG_LEVELS),
        ("SystemLogLevel", _SYSTEM_LOG_LEVELS),
    ):
        if key in requested and requested[key] not in allowed:
            field = "loggingConfig." + key[0].lower() + key[1:]
            raise LambdaValidationException(
                requested[key], field, f"Member must satisfy enum value set: [{', '.join(allowed)}]"
            )
    group = requested.get("LogGroup")
    if group is not None and not (0 < len(group) <= 512 and _LOG_GROUP.fullmatch(group)):
        raise LambdaValidationException(
            group,
            "loggingConfig.logGroup",
            r"Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+",
        )
    config = {**current, **requested}
    config.setdefault("LogFormat", "Text")
    config.setdefault("LogGroup", f"/aws/lambda/{function_name}")
    if config["LogFormat"] == "Text":
        if any(level in requested for level in _LEVELS):
            raise InvalidParameterValueException(
                'LogLevel is not supported when LogFormat is set to "Text". Remove LogLevel from '
                'your request or change the LogFormat to "Json" and try again.'
            )
        for level in _LEVELS:
            config.pop(level, None)
    else:
        for level in _LEVELS:
            config.setdefault(level, "INFO")
    return config


_function_init = LambdaFunction.__init__
_function_configuration = LambdaFunction.get_configuration
_update_configuration = LambdaFunction.update_configuration


def _function_init_with_logging(self, account_id, spec, region, version=1):
    self.logging_config = _logging_config(spec["FunctionName"], {}, spec.get("LoggingConfig"))
    _function_init(self, account_id, spec, region, version)


def _configuration_with_logging(self, on_create: bool = False):
    config = _function_configuration(self, on_create)
    config["LoggingConfig"] = dict(
        getattr(self, "logging_config", None) or _logging_config(self.function_name, {}, {})
    )
    return config


def _update_configuration_checked(self, config_updates):
    if "Role" in config_updates:
        _require_role_lambda_can_assume(self.account_id, self.partition, config_updates["Role"])
    if "LoggingConfig" in config_updates:
        self.logging_config = _logging_config(
            self.function_name,
            getattr(self, "logging_config", {}),
            config_updates["LoggingConfig"],
        )
    return _update_configuration(self, config_updates)


LambdaFunction.__init__ = _function_init_with_logging
LambdaFunction.get_configuration = _configuration_with_logging
LambdaFunction.update_configuration = _update_configuration_checked

# VpcConfig (Lambda developer guide, "Giving Lambda functions access to resources in an Amazon
# VPC"; API reference, CreateFunction / UpdateFunctionConfiguration errors): Lambda checks the
# subnets and security groups with EC2 and that the execution role may call
# ec2:CreateNetworkInterface, answering InvalidParameterValueException otherwise, and reports the
# subnets' VPC as VpcId; empty lists detach the function. moto stores VpcConfig unchecked and
# reports VpcId "vpc-123abc".
from moto.ec2.models import ec2_backends  # noqa: E402

_ENI_PERMISSION_MISSING = (
    "The provided execution role does not have permissions to call CreateNetworkInterface on EC2"
)


def _role_policy_documents(account_id: str, partition: str, role_arn) -> list:
    for role in iam_backends[account_id][partition].get_roles():
        if role.arn == role_arn:
            documents = [_policy_document(text) for text in role.policies.values()]
            for policy in role.managed_policies.values():
                for version in policy.versions:
                    if version.version_id == policy.default_version_id:
                        documents.append(_policy_document(version.document))
            return documents
    return []


def _role_allows(account_id: str, partition: str, role_arn, action: str) -> bool:
    """An Allow statement of the role's policies names the action and no Deny does (resources and
    conditions are taken as met: Lambda checks the permission, not a request)."""
    allowed = False
    for document in _role_policy_documents(account_id, partition, role_arn):
        for statement in _listed(document.get("Statement", [])):
            if not _action_applies(statement, action):
                continue
            if statement.get("Effect") == "Deny":
                return False
            allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def _require_usable_vpc_config(account_id, partition, region, role_arn, vpc_config) -> None:
    vpc_config = vpc_config or {}
    subnets = vpc_config.get("SubnetIds") or []
    groups = vpc_config.get("SecurityGroupIds") or []
    if not subnets and not groups:
        return
    ec2 = ec2_backends[account_id][region]
    for subnet_id in subnets:
        try:
            ec2.get_subnet(subnet_id)
        except Exception:  # moto's InvalidSubnetIdError
            raise InvalidParameterValueException(
                "Error occurred while DescribeSubnets. EC2 Error Code: InvalidSubnetID.NotFound. "
                f"EC2 Error Message: The subnet ID '{subnet_id}' does not exist"
            )
    for group_id in groups:
        if ec2.get_security_group_from_id(group_id) is None:
            raise InvalidParameterValueException(
                "Error occurred while DescribeSecurityGroups. EC2 Error Code: InvalidGroup.NotFound. "
                f"EC2 Error Message: The security group '{group_id}' does not exist"
            )
    if not _role_allows(account_id, partition, role_arn, "ec2:CreateNetworkInterface"):
        raise InvalidParameterValueException(_ENI_PERMISSION_MISSING)


def _put_function_checking_vpc(self, fn):
    _require_usable_vpc_config(
        self.account_id, self.partition, fn.region, fn.role, getattr(fn, "_vpc_config", None)
    )
    return _put_function_with_assumable_role(self, fn)


def _update_configuration_checking_vpc(self, config_updates):
    if "VpcConfig" in config_updates:
        _require_usable_vpc_config(
            self.account_id,
            self.partition,
            self.region,
            config_updates.get("Role", self.role),
            config_updates["VpcConfig"],
        )
    return _update_configuration_checked(self, config_updates)


def _vpc_config_as_reported(self):
    config = dict(self._vpc_config or {})
    if not config:
        return None
    subnets = config.get("SubnetIds") or []
    vpc_id = ""
    if subnets:
        try:
            vpc_id = ec2_backends[self.account_id][self.region].get_subnet(subnets[0]).vpc_id
        except Exception:
            pass
    config.setdefault("SubnetIds", [])
    config.setdefault("SecurityGroupIds", [])
    config["VpcId"] = vpc_id
    return config


LambdaStorage.put_function = _put_function_checking_vpc
LambdaFunction.update_configuration = _update_configuration_checking_vpc
LambdaFunction.vpc_config = property(_vpc_config_as_reported)


def _put_event_invoke_config(self, function_name, config):
    """PutFunctionEventInvokeConfig (Lambda API reference): "If a configuration already exists for
    a function, version, or alias, this operation overwrites it. If you exclude any settings, they
    are removed." moto appends a second configuration and keeps answering the first."""
    fn = self.get_function(function_name)
    event_config = EventInvokeConfig(fn.function_arn, fn.last_modified, dict(config))
    fn.event_invoke_config = [event_config]
    return event_config.response()


def _update_event_invoke_config(self, function_name, config):
    """UpdateFunctionEventInvokeConfig: "To set one option without affecting existing settings for
    other options, use UpdateFunctionEventInvokeConfig": the settings given replace theirs only."""
    fn = self.get_function(function_name)
    merged = dict(fn.event_invoke_config[0].config) if fn.event_invoke_config else {}
    merged.update(config)
    return _put_event_invoke_config(self, function_name, merged)


LambdaBackend.put_function_event_invoke_config = _put_event_invoke_config
LambdaBackend.update_function_event_invoke_config = _update_event_invoke_config


class _StatementIdConflict(LambdaClientError):
    code = 409

    def __init__(self, sid: str) -> None:
        super().__init__(
            "ResourceConflictException",
            f"The statement id ({sid}) provided already exists. Please provide a new statement "
            "id, or remove the existing statement.",
        )


_add_statement = Policy.add_statement


def _add_statement_once(self, raw, qualifier=None):
    """AddPermission (Lambda API reference): a StatementId already in the policy is refused with
    ResourceConflictException; moto adds a second statement with the same Sid."""
    sid = json.loads(raw).get("StatementId")
    if sid is not None and any(s.get("Sid") == sid for s in self.statements):
        raise _StatementIdConflict(sid)
    return _add_statement(self, raw, qualifier)


Policy.add_statement = _add_statement_once


# --- IAM ------------------------------------------------------------------------------------------

from moto.iam.exceptions import NoSuchEntity  # noqa: E402
from moto.iam.models import IAMBackend  # noqa: E402
from moto.settings import load_iam_aws_managed_policies  # noqa: E402

_create_role = IAMBackend.create_role
_put_role_permissions_boundary = IAMBackend.put_role_permissions_boundary


def _require_attachable_boundary(backend, policy_arn) -> None:
    """CreateRole / PutRolePermissionsBoundary (IAM API reference): the boundary is a managed policy
    that must exist; AWS answers NoSuchEntity "Scope ARN: <arn> does not exist or is not
    attachable." moto accepts any well-formed ARN. AWS managed policies count as existing unless
    moto was told to load them (it does not by default, so it cannot know them)."""
    if not policy_arn or not backend.policy_arn_regex.match(policy_arn):
        return  # moto refuses a malformed ARN itself
    if policy_arn in backend.managed_policies:
        return
    if ":iam::aws:policy/" in policy_arn and not load_iam_aws_managed_policies():
        return
    raise NoSuchEntity(f"Scope ARN: {policy_arn} does not exist or is not attachable.")


def _create_role_with_boundary(self, role_name, assume_role_policy_document, path,
                               permissions_boundary, *args, **kwargs):
    _require_attachable_boundary(self, permissions_boundary)
    return _create_role(
        self, role_name, assume_role_policy_document, path, permissions_boundary, *args, **kwargs
    )


def _put_boundary_that_exists(self, role_name, permissions_boundary):
    _require_attachable_boundary(self, permissions_boundary)
    return _put_role_permissions_boundary(self, role_name, permissions_boundary)


IAMBackend.create_role = _create_role_with_boundary
IAMBackend.put_role_permissions_boundary = _put_boundary_that_exists


# AttachRolePolicy (IAM API reference; "AWS managed policies", IAM User Guide): every AWS managed
# policy (arn:aws:iam::aws:policy/...) exists in every account and can be attached. moto knows them
# only when told to load all of them for every account (MOTO_IAM_LOAD_MANAGED_POLICIES, off: it
# costs each new account a thousand policies) and otherwise answers NoSuchEntity. Here the one
# policy attached is taken from moto's own copy of AWS's managed policies on first use.
from moto.iam.aws_managed_policies import aws_managed_policies_data  # noqa: E402
from moto.iam.models import AWSManagedPolicy  # noqa: E402

_attach_role_policy = IAMBackend.attach_role_policy
_aws_managed_policies = None


def _aws_managed_policy(backend, policy_arn):
    global _aws_managed_policies
    if _aws_managed_policies is None:
        _aws_managed_policies = json.loads(aws_managed_policies_data)
    name = policy_arn.rsplit("/", 1)[-1]
    data = _aws_managed_policies.get(name)
    if data is None:
        return None
    policy = AWSManagedPolicy.from_data(name, backend.account_id, backend.region_name, data)
    # The name is the ARN's last part; the path must match too.
    return policy if policy.arn == policy_arn else None


def _attach_role_policy_aws_managed(self, policy_arn, role_name):
    if policy_arn not in self.managed_policies and ":iam::aws:policy/" in policy_arn:
        policy = _aws_managed_policy(self, policy_arn)
        if policy is not None:
            self.managed_policies[policy.arn] = policy
    return _attach_role_policy(self, policy_arn, role_name)


IAMBackend.attach_role_policy = _attach_role_policy_aws_managed


# --- CloudWatch Logs ------------------------------------------------------------------------------

from moto.logs.exceptions import InvalidParameterException  # noqa: E402
from moto.logs.models import LogsBackend  # noqa: E402

# PutRetentionPolicy (CloudWatch Logs API reference): "Possible values are: 1, 3, 5, 7, 14, 30, 60,
# 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, and 3653." moto stores
# any number.
_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
)
_put_retention_policy = LogsBackend.put_retention_policy


def _put_retention_policy_checked(self, log_group_name, retention_in_days):
    if retention_in_days not in _RETENTION_DAYS:
        raise InvalidParameterException(
            constraint="Member must satisfy enum value set: "
            f"[{', '.join(str(days) for days in _RETENTION_DAYS)}]",
            parameter="retentionInDays",
            value=retention_in_days,
        )
    return _put_retention_policy(self, log_group_name, retention_in_days)


LogsBackend.put_retention_policy = _put_retention_policy_checked


# --- EventBridge Scheduler ------------------------------------------------------------------------

import datetime  # noqa: E402

from moto.scheduler.exceptions import (  # noqa: E402
    ValidationException as SchedulerValidationException,
)
from moto.scheduler.models import EventBridgeSchedulerBackend  # noqa: E402

# CreateSchedule / UpdateSchedule (Scheduler API reference, ScheduleExpression): "at expression -
# at(yyyy-mm-ddThh:mm:ss)", "rate expression - rate(value unit)" where "A rate expression consists
# of a value as a positive integer, and a unit with the following options: minute | minutes | hour
# | hours | day | days", "cron expression - cron(fields)" with "six fields separated by white
# spaces: (minutes hours day_of_month month day_of_week year)"; of day_of_month and day_of_week one
# must be "?" (Scheduler User Guide, cron-based schedules). moto stores any string.
_RATE = re.compile(r"rate\(([0-9]+) (minute|minutes|hour|hours|day|days)\)")
_CRON = re.compile(r"cron\((.*)\)")
_AT = re.compile(r"at\(([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})\)")
_CRON_FIELD = re.compile(r"[0-9A-Za-z,\-*/?#]+")


def _valid_schedule_expression(expression) -> bool:
    if not isinstance(expression, str):
        return False
    rate = _RATE.fullmatch(expression)
    if rate:
        return int(rate.group(1)) > 0
    at = _AT.fullmatch(expression)
    if at:
        try:
            datetime.datetime.strptime(at.group(1), "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            return False
        return True
    cron = _CRON.fullmatch(expression)
    if cron:
        fields = cron.group(1).split()
        return (
            len(fields) == 6
            and all(_CRON_FIELD.fullmatch(field) for field in fields)
            and (fields[2] == "?") != (fields[4] == "?")
        )
    return False


def _check_schedule(schedule_expression, flexible_time_window, target) -> None:
    if not _valid_schedule_expression(schedule_expression):
        raise SchedulerValidationException(f"Invalid Schedule Expression {schedule_expression}.")
    window = flexible_time_window or {}
    mode = window.get("Mode")
    if mode not in ("OFF", "FLEXIBLE"):
        raise SchedulerValidationException(
            f"1 validation error detected: Value '{mode}' at 'flexibleTimeWindow.mode' failed to "
            "satisfy constraint: Member must satisfy enum value set: [OFF, FLEXIBLE]"
        )
    minutes = window.get("MaximumWindowInMinutes")
    if mode == "FLEXIBLE" and not (isinstance(minutes, int) and 1 <= minutes <= 1440):
        # FlexibleTimeWindow: MaximumWindowInMinutes, 1 to 1440, is required with FLEXIBLE.
        raise SchedulerValidationException(
            "MaximumWindowInMinutes must be between 1 and 1440 when Mode is FLEXIBLE."
        )
    retry = (target or {}).get("RetryPolicy") or {}
    # RetryPolicy: MaximumRetryAttempts 0..185, MaximumEventAgeInSeconds 60..86400.
    for key, low, high in (
        ("MaximumRetryAttempts", 0, 185),
        ("MaximumEventAgeInSeconds", 60, 86400),
    ):
        value = retry.get(key)
        if value is not None and not low <= value <= high:
            if value < low:
                bound = f"greater than or equal to {low}"
            else:
                bound = f"less than or equal to {high}"
            raise SchedulerValidationException(
                f"1 validation error detected: Value '{value}' at 'target.retryPolicy."
                f"{key[0].lower() + key[1:]}' failed to satisfy constraint: Member must have value "
                f"{bound}"
            )


_create_schedule = EventBridgeSchedulerBackend.create_schedule
_update_schedule = EventBridgeSchedulerBackend.update_schedule


def _create_schedule_checked(self, **kwargs):
    _check_schedule(kwargs.get("schedule_expression"), kwargs.get("flexible_time_window"),
                    kwargs.get("target"))
    return _create_schedule(self, **kwargs)


def _update_schedule_checked(self, **kwargs):
    """UpdateSchedule (Scheduler API reference): it replaces the whole schedule; "If you don't
    specify an optional parameter, its value is set to default", and State defaults to ENABLED.
    moto leaves State unset (null)."""
    _check_schedule(kwargs.get("schedule_expression"), kwargs.get("flexible_time_window"),
                    kwargs.get("target"))
    kwargs["state"] = kwargs.get("state") or "ENABLED"
    return _update_schedule(self, **kwargs)


EventBridgeSchedulerBackend.create_schedule = _create_schedule_checked
EventBridgeSchedulerBackend.update_schedule = _update_schedule_checked


# --- RDS: an Aurora instance lives in its cluster's DB subnet group ---------------------------

from moto.rds.models import RDSBackend  # noqa: E402

_create_db_instance = RDSBackend.create_db_instance


def _create_db_instance_in_its_clusters_subnet_group(self, db_kwargs):
    """CreateDBInstance (RDS API reference), DBSubnetGroupName: "Not applicable. The associated
    list of subnets is managed by the DB cluster" for Aurora; DescribeDBInstances then reports the
    cluster's group, its VpcId included. moto leaves a cluster's instances without one."""
    cluster = self.clusters.get(db_kwargs.get("db_cluster_identifier") or "")
    if (
        cluster is not None
        and not db_kwargs.get("db_subnet_group_name")
        and cluster.db_subnet_group_name in self.subnet_groups
    ):
        db_kwargs = dict(db_kwargs, db_subnet_group_name=cluster.db_subnet_group_name)
    return _create_db_instance(self, db_kwargs)


RDSBackend.create_db_instance = _create_db_instance_in_its_clusters_subnet_group

import moto_privatelink  # noqa: E402, F401  (the consumer side of PrivateLink; next to this file)
