// Prisma 7 reads its settings here (no env auto-loading). Used by the stock Prisma CLI;
// our own offline runner (npm run db:migrate) reads the same schema and migrations folder.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: {
    url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/plexhook',
  },
});
