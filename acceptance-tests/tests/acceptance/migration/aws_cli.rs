//! The migration guide's shell lines, run through the AWS SDK: the test machines have no AWS CLI.
//!
//! A shell block is read the way a POSIX shell reads these lines: `\` joins lines, `#` starts a
//! comment, `NAME=value` and `NAME=$(aws ...)` set variables, `$NAME` expands outside single quotes,
//! quotes group words. Each `aws <service> <operation>` the guide uses maps to the SDK call the
//! CLI makes, with its options checked one by one: an option or a `--query` this module does not
//! know fails the test, so the guide cannot gain a command the test silently skips.

use std::collections::BTreeMap;

use rdslink_testkit::Account;

/// Runs every line of `script` in order, with `variables` set beforehand; returns the variables
/// as the script left them, and the commands it ran (after expansion), for the test's report.
pub async fn run(
    account: &Account,
    script: &str,
    mut variables: BTreeMap<String, String>,
) -> (BTreeMap<String, String>, Vec<Vec<String>>) {
    let mut ran = Vec::new();
    for line in logical_lines(script) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some((name, value)) = assignment(line) {
            let value = match value
                .strip_prefix("$(")
                .and_then(|inner| inner.strip_suffix(')'))
            {
                Some(command) => {
                    let words = words(command, &variables);
                    let output = aws(account, &words).await;
                    ran.push(words);
                    output.trim().to_owned()
                }
                None => {
                    let mut value = words(value, &variables);
                    assert_eq!(value.len(), 1, "{line:?} assigns more than one word");
                    value.remove(0)
                }
            };
            variables.insert(name.to_owned(), value);
            continue;
        }
        let words = words(line, &variables);
        aws(account, &words).await;
        ran.push(words);
    }
    (variables, ran)
}

/// Lines with their `\`-continuations joined.
fn logical_lines(script: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for line in script.lines() {
        match line.strip_suffix('\\') {
            Some(start) => {
                current.push_str(start);
                current.push(' ');
            }
            None => {
                current.push_str(line);
                lines.push(std::mem::take(&mut current));
            }
        }
    }
    assert!(current.is_empty(), "the script ends in a `\\`");
    lines
}

/// `NAME=value`: the variable name and the unexpanded value.
fn assignment(line: &str) -> Option<(&str, &str)> {
    let (name, value) = line.split_once('=')?;
    let is_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    is_name.then_some((name, value))
}

/// The words of a command line: quotes removed, `$NAME` and `${NAME}` expanded except inside
/// single quotes. An unset variable fails the test (the guide would run with an empty word).
fn words(line: &str, variables: &BTreeMap<String, String>) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some('\''), '\'') | (Some('"'), '"') => quote = None,
            (Some('\''), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (_, '$') => {
                let braced = chars.next_if_eq(&'{').is_some();
                let mut name = String::new();
                while let Some(c) = chars.next_if(|c| c.is_ascii_alphanumeric() || *c == '_') {
                    name.push(c);
                }
                if braced {
                    assert_eq!(chars.next(), Some('}'), "an unclosed ${{ in {line:?}");
                }
                assert!(!name.is_empty(), "a bare $ in {line:?}");
                let value = variables
                    .get(&name)
                    .unwrap_or_else(|| panic!("${name} is not set when {line:?} runs"));
                word.push_str(value);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (_, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    assert!(quote.is_none(), "an unclosed quote in {line:?}");
    if in_word {
        words.push(word);
    }
    words
}

/// A command's `--option value` pairs; each handler takes what it knows, and [`Options::done`]
/// refuses the rest.
struct Options {
    command: String,
    values: BTreeMap<String, String>,
}

impl Options {
    fn parse(words: &[String]) -> Options {
        let command = words.join(" ");
        let mut values = BTreeMap::new();
        let mut rest = words.iter();
        while let Some(option) = rest.next() {
            let name = option
                .strip_prefix("--")
                .unwrap_or_else(|| panic!("{option:?} is not an option in `{command}`"));
            let value = rest
                .next()
                .unwrap_or_else(|| panic!("--{name} has no value in `{command}`"));
            values.insert(name.to_owned(), value.clone());
        }
        Options { command, values }
    }

    fn take(&mut self, name: &str) -> String {
        self.values
            .remove(name)
            .unwrap_or_else(|| panic!("`{}` has no --{name}", self.command))
    }

    /// `--query` must be `pattern`'s one `{}` filled in; returns what fills it.
    fn query(&mut self, pattern: &str) -> String {
        let query = self.take("query");
        let (before, after) = pattern.split_once("{}").expect("a pattern with a {}");
        query
            .strip_prefix(before)
            .and_then(|rest| rest.strip_suffix(after))
            .unwrap_or_else(|| {
                panic!(
                    "`{}`: the test knows the query {pattern:?} here, not {query:?}",
                    self.command
                )
            })
            .to_owned()
    }

    /// `--output text`, the only output the guide's variables read.
    fn text_output(&mut self) {
        assert_eq!(self.take("output"), "text", "`{}`", self.command);
    }

    fn done(self) {
        assert!(
            self.values.is_empty(),
            "`{}`: the test does not know the options {:?}",
            self.command,
            self.values.keys().collect::<Vec<_>>()
        );
    }
}

/// Runs `aws <service> <operation> ...` through the SDK; returns what the CLI would print.
async fn aws(account: &Account, words: &[String]) -> String {
    let [program, service, operation, options @ ..] = words else {
        panic!("not an AWS CLI command: {words:?}");
    };
    assert_eq!(
        program, "aws",
        "the guide's commands here are AWS CLI commands"
    );
    let mut options = Options::parse(options);
    let output = match (service.as_str(), operation.as_str()) {
        ("sns", "list-topics") => {
            let suffix = options.query("Topics[?ends_with(TopicArn, '{}')].TopicArn");
            options.text_output();
            let topics = account
                .sns()
                .list_topics()
                .send()
                .await
                .expect("ListTopics");
            text(
                topics
                    .topics()
                    .iter()
                    .filter_map(|topic| topic.topic_arn())
                    .filter(|arn| arn.ends_with(&suffix)),
            )
        }
        ("rds", "describe-event-subscriptions") => {
            let topic =
                options.query("EventSubscriptionsList[?SnsTopicArn=='{}'].CustSubscriptionId");
            options.text_output();
            let described = account
                .rds()
                .describe_event_subscriptions()
                .send()
                .await
                .expect("DescribeEventSubscriptions");
            text(
                described
                    .event_subscriptions_list()
                    .iter()
                    .filter(|s| s.sns_topic_arn() == Some(topic.as_str()))
                    .filter_map(|s| s.cust_subscription_id()),
            )
        }
        ("sns", "list-subscriptions-by-topic") => {
            let topic = options.take("topic-arn");
            let protocol = options.query("Subscriptions[?Protocol=='{}'].SubscriptionArn");
            options.text_output();
            let listed = account
                .sns()
                .list_subscriptions_by_topic()
                .topic_arn(topic)
                .send()
                .await
                .expect("ListSubscriptionsByTopic");
            text(
                listed
                    .subscriptions()
                    .iter()
                    .filter(|s| s.protocol() == Some(protocol.as_str()))
                    .filter_map(|s| s.subscription_arn()),
            )
        }
        ("rds", "delete-event-subscription") => {
            account
                .rds()
                .delete_event_subscription()
                .subscription_name(options.take("subscription-name"))
                .send()
                .await
                .expect("DeleteEventSubscription");
            String::new()
        }
        ("sns", "unsubscribe") => {
            account
                .sns()
                .unsubscribe()
                .subscription_arn(options.take("subscription-arn"))
                .send()
                .await
                .expect("Unsubscribe");
            String::new()
        }
        ("sns", "delete-topic") => {
            account
                .sns()
                .delete_topic()
                .topic_arn(options.take("topic-arn"))
                .send()
                .await
                .expect("DeleteTopic");
            String::new()
        }
        ("lambda", "delete-function") => {
            account
                .lambda()
                .delete_function()
                .function_name(options.take("function-name"))
                .send()
                .await
                .expect("DeleteFunction");
            String::new()
        }
        ("logs", "delete-log-group") => {
            account
                .logs()
                .delete_log_group()
                .log_group_name(options.take("log-group-name"))
                .send()
                .await
                .expect("DeleteLogGroup");
            String::new()
        }
        ("iam", "delete-role-policy") => {
            account
                .iam()
                .delete_role_policy()
                .role_name(options.take("role-name"))
                .policy_name(options.take("policy-name"))
                .send()
                .await
                .expect("DeleteRolePolicy");
            String::new()
        }
        ("iam", "detach-role-policy") => {
            account
                .iam()
                .detach_role_policy()
                .role_name(options.take("role-name"))
                .policy_arn(options.take("policy-arn"))
                .send()
                .await
                .expect("DetachRolePolicy");
            String::new()
        }
        ("iam", "delete-role") => {
            account
                .iam()
                .delete_role()
                .role_name(options.take("role-name"))
                .send()
                .await
                .expect("DeleteRole");
            String::new()
        }
        _ => panic!(
            "the test does not run `aws {service} {operation}`: teach tests/acceptance/migration/aws_cli.rs \
             the SDK call it makes"
        ),
    };
    options.done();
    output
}

/// A list as `--output text` prints it: tab-separated on one line.
fn text<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join("\t")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn words_expand_outside_single_quotes_and_drop_the_quotes() {
        let v = vars(&[("STACK", "s1"), ("T", "arn:x")]);
        assert_eq!(
            words(r#"aws x --a "pre$STACK" --b '$T' --c ${T}z"#, &v),
            ["aws", "x", "--a", "pres1", "--b", "$T", "--c", "arn:xz"]
        );
        assert_eq!(
            words(
                r#"--query "Topics[?ends_with(TopicArn, ':L$STACK')].TopicArn""#,
                &v
            ),
            ["--query", "Topics[?ends_with(TopicArn, ':Ls1')].TopicArn"]
        );
    }

    #[test]
    fn continuations_join_and_assignments_are_recognised() {
        assert_eq!(logical_lines("a \\\n  b\nc"), ["a    b", "c"]);
        assert_eq!(assignment("ROLE=\"x-$S\""), Some(("ROLE", "\"x-$S\"")));
        assert_eq!(assignment("aws iam delete-role --role-name x=y"), None);
    }
}
