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
  }
  function ode45(y0: number[] | Float64Array, deriv: Deriv, t0: number, dt0: number, options?: Options): Integrator;
  export = ode45;
}
