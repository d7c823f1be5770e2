// Stands in for 'server-only' under vitest: that package throws outside React Server Components.
export {};
