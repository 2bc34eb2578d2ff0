import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTask } from '../src/format.js';
import { createTaskList } from '../src/tasks.js';

test('a completed task is no longer open', () => {
  const tasks = createTaskList();
  tasks.add('first');
  tasks.add('second');
  tasks.complete(1);
  assert.deepEqual(
    tasks.open().map((task) => task.title),
    ['second'],
  );
});

test('overdue lists open tasks due before today', () => {
  const tasks = createTaskList();
  tasks.add('late', { due: '2026-01-01' });
  tasks.add('later', { due: '2027-01-01' });
  assert.deepEqual(
    tasks.overdue('2026-06-01').map((task) => task.title),
    ['late'],
  );
});

test('formatTask shows the state and the due date', () => {
  assert.equal(
    formatTask({ id: 3, title: 'ship', due: '2026-12-01', done: true }),
    '[x] 3 ship (due 2026-12-01)',
  );
});
