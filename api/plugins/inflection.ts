/**
 * SQL function parameters are named `p_start`, `p_limit` by the project's conventions; GraphQL
 * arguments drop the prefix (`start`, `limit`).
 */
export const StripParameterPrefixPlugin: GraphileConfig.Plugin = {
  name: 'StripParameterPrefixPlugin',
  version: '1.0.0',
  inflection: {
    replace: {
      argument(previous, _options, details) {
        const name = details.param.name?.replace(/^p_/, '');
        return previous!({ ...details, param: { ...details.param, name } } as typeof details);
      },
      // Functions exposed as plain lists (searchEvents, eventCounts, neighbours) need no "List" suffix:
      // they have no connection twin to tell apart from.
      customQueryListField(_previous, _options, details) {
        return this.camelCase(this.customQueryField(details));
      },
      computedAttributeListField(_previous, _options, details) {
        return this.computedAttributeField(details);
      },
    },
  },
};
