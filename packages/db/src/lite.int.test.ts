import { createTestDb, type TestDb } from '../../../test/helpers/db';
import { createPgPool, findUserIdBySecretHash, hashSecret } from './lite';
import { createUserWithSecret, rotateSecret } from './repositories/users';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb('lite');
});
afterAll(() => t.drop());

test('the plain-pg secret lookup finds users created and rotated through the Prisma client', async () => {
  const pool = createPgPool(t.url);
  try {
    const alice = await createUserWithSecret(t.db, 'alice');
    const bob = await createUserWithSecret(t.db, 'bob');
    expect(await findUserIdBySecretHash(pool, hashSecret(alice.secret))).toBe(alice.id);
    expect(await findUserIdBySecretHash(pool, hashSecret(bob.secret))).toBe(bob.id);
    expect(await findUserIdBySecretHash(pool, hashSecret('nobody'))).toBeNull();
    const rotated = await rotateSecret(t.db, alice.id);
    expect(await findUserIdBySecretHash(pool, hashSecret(alice.secret))).toBeNull();
    expect(await findUserIdBySecretHash(pool, hashSecret(rotated as string))).toBe(alice.id);
  } finally {
    await pool.end();
  }
});
