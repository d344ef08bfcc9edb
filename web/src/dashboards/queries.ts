import { gql } from 'urql';

export interface DashboardRow {
  rowId: string;
  title: string;
  description: string | null;
  layout: unknown;
  shared: boolean;
  ownerId: string;
  updatedAt: string;
}

export const DashboardsQuery = gql`
  query Dashboards {
    dashboards {
      nodes {
        rowId
        title
        description
        shared
        ownerId
        updatedAt
      }
    }
  }
`;

export const DashboardQuery = gql`
  query Dashboard($id: UUID!) {
    dashboard(rowId: $id) {
      rowId
      title
      description
      layout
      shared
      ownerId
      updatedAt
    }
  }
`;

export const CreateDashboard = gql`
  mutation CreateDashboard($title: String!, $layout: JSON!) {
    createDashboard(input: { dashboard: { title: $title, layout: $layout, shared: false } }) {
      dashboard {
        rowId
      }
    }
  }
`;

export const UpdateDashboard = gql`
  mutation UpdateDashboard($id: UUID!, $patch: DashboardPatch!) {
    updateDashboard(input: { rowId: $id, patch: $patch }) {
      dashboard {
        rowId
        title
        layout
        shared
        updatedAt
      }
    }
  }
`;

export const DeleteDashboard = gql`
  mutation DeleteDashboard($id: UUID!) {
    deleteDashboard(input: { rowId: $id }) {
      deletedDashboardId
    }
  }
`;
