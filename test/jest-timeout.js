// Integration suites start real processes and databases; none of ours should come near this.
jest.setTimeout(30_000);
