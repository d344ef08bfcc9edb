import { gql } from 'urql';

/** Names as PostGraphile exposes the detection module's tables and triage functions. */
export interface AlertRow {
  rowId: string;
  ruleId: string;
  ruleName: string;
  entity: string | null;
  severity: string;
  tags: string[];
  summary: string | null;
  status: string;
  assignee: string | null;
  resolution: string | null;
  eventCount: number;
  firstEventAt: string;
  lastEventAt: string;
  lastSeenAt: string;
  createdAt: string;
}

export const severities = ['critical', 'high', 'medium', 'low', 'informational'] as const;
export const statuses = ['open', 'acknowledged', 'closed'] as const;
export const resolutions = ['true_positive', 'false_positive', 'benign', 'duplicate', 'other'] as const;

const alertFields = `
  rowId
  ruleId
  ruleName
  entity
  severity
  tags
  summary
  status
  assignee
  resolution
  eventCount
  firstEventAt
  lastEventAt
  lastSeenAt
  createdAt
`;

export const AlertsQuery = gql`
  query Alerts($condition: AlertCondition, $first: Int!) {
    alerts(condition: $condition, first: $first, orderBy: [LAST_SEEN_AT_DESC, PRIMARY_KEY_DESC]) {
      totalCount
      nodes {
        ${alertFields}
      }
    }
  }
`;

export const AlertDetailQuery = gql`
  query AlertDetail($id: BigInt!) {
    alert(rowId: $id) {
      ${alertFields}
      rule {
        rowId
        title
        description
      }
      matchingEvents(first: 50) {
        nodes {
          rowId
          ts
          host
          eventType
          message
        }
      }
      alertHistories(first: 50, orderBy: [PRIMARY_KEY_DESC]) {
        nodes {
          rowId
          at
          actor
          action
          oldStatus
          newStatus
          comment
        }
      }
    }
  }
`;

export const AcknowledgeAlert = gql`
  mutation AcknowledgeAlert($id: BigInt!, $comment: String) {
    acknowledgeAlert(input: { alertId: $id, comment: $comment }) {
      result {
        rowId
        status
        assignee
        updatedAt
      }
    }
  }
`;

export const AssignAlert = gql`
  mutation AssignAlert($id: BigInt!, $assignee: String!, $comment: String) {
    assignAlert(input: { alertId: $id, assignee: $assignee, comment: $comment }) {
      result {
        rowId
        status
        assignee
        updatedAt
      }
    }
  }
`;

export const CloseAlert = gql`
  mutation CloseAlert($id: BigInt!, $resolution: String!, $comment: String!) {
    closeAlert(input: { alertId: $id, resolution: $resolution, comment: $comment }) {
      result {
        rowId
        status
        resolution
        updatedAt
      }
    }
  }
`;

export const AlertsChanged = gql`
  subscription AlertsChanged {
    alertsChanged {
      payload
    }
  }
`;

export const RulesQuery = gql`
  query Rules {
    rules(first: 500, orderBy: [NAME_ASC]) {
      nodes {
        rowId
        name
        title
        description
        kind
        severity
        tags
        enabled
        definition
        fixtures
        updatedAt
        alerts(first: 1, orderBy: [LAST_SEEN_AT_DESC]) {
          totalCount
          nodes {
            lastSeenAt
          }
        }
      }
    }
  }
`;

export const SetRuleEnabled = gql`
  mutation SetRuleEnabled($id: BigInt!, $enabled: Boolean!) {
    updateRule(input: { rowId: $id, patch: { enabled: $enabled } }) {
      rule {
        rowId
        enabled
      }
    }
  }
`;

export const ImportRules = gql`
  mutation ImportRules($text: String!, $fileName: String, $enabled: Boolean) {
    importRules(input: { text: $text, fileName: $fileName, enabled: $enabled }) {
      result {
        rowId
        status
      }
    }
  }
`;

export const RuleImportQuery = gql`
  query RuleImport($id: BigInt!) {
    ruleImport(rowId: $id) {
      rowId
      fileName
      status
      compiled
      failures
      finishedAt
    }
  }
`;

export const TestRule = gql`
  mutation TestRule($id: BigInt!) {
    testRule(input: { ruleId: $id }) {
      result {
        ruleName
        positive
        negative
        positiveAlerts
        negativeAlerts
      }
    }
  }
`;

export const DryRunRule = gql`
  mutation DryRunRule($id: BigInt!, $hours: Int!) {
    dryRunRule(input: { ruleId: $id, hours: $hours }) {
      result {
        entity
        eventCount
        firstEventAt
        lastEventAt
        summary
      }
    }
  }
`;
