// Types for the ode45-cash-karp package (Cash–Karp RK4(5), R. Reusser, MIT licence). popkit's
// prediction path no longer uses it (src/pk/ode-dop853.ts says why); test/pk/ode-methods.test.ts
// uses it as an independent reference integrator.
declare module 'ode45-cash-karp' {
  type Deriv = (dydt: number[] | Float64Array, y: number[] | Float64Array, t: number) => void;
  interface Integrator {
    y: number[] | Float64Array;
    t: number;
    dt: number;
    /** Take one adaptive step; returns false when tMax has been reached. */
    step(tLimit?: number): boolean;
    /** Step until t reaches tLimit; returns false when tMax has been reached. */
    steps(n?: number, tLimit?: number): boolean;
  }
  interface Options {
    tol?: number;
    dtMinMag?: number;
    dtMaxMag?: number;
    maxIncreaseFactor?: number;
    maxDecreaseFactor?: number;
    verbose?: boolean;
    /** Scale of the error of component i in the error test (default |y_i| + |dt·dy_i/dt| + 1e-32). */
    errorScaleFunction?: (i: number, dt: number, y: number, dydt: number) => number;
  }
  function ode45(y0: number[] | Float64Array, deriv: Deriv, t0: number, dt0: number, options?: Options): Integrator;
  export = ode45;
}
