// A worker module that cannot load: the pool must say so once, not fail every task as if the files were bad.
throw new Error('module failed to load');
