/**
 * Compartment systems and the event loop: closed-form 1/2/3-compartment systems (NONMEM's
 * ADVAN1–4/11/12), ODE systems, dosing events with PREDPP's semantics, and the amounts in
 * every compartment at each observation.
 * Example: `pk.predictSubject(pk.closedFormSystem(1, 'oral'), events, params, out)`.
 */
export { buildAllEvents, buildSubjectEvents, type EventLayout } from '../events/build.js';
export type * from '../events/types.js';
export { closedFormSystem } from '../pk/closed-form.js';
export { constantParameters, pkParameterRow, recordParameters, type DoseParameterValues } from '../pk/parameters.js';
export { EventLoop, predictSubject, predictSubjectWithSensitivities } from '../pk/predict.js';
export { DEFAULT_ODE_TOLERANCES, odeSystem, type OdeCompartmentSystem, type OdeMethod, type OdeSystemSpec, type OdeTolerances } from '../pk/ode.js';
export { linearOdeSystem, michaelisMentenOdeSystem, type OdeRoute } from '../pk/ode-library.js';
export type { CompartmentSystem, PkParameterRow, PkParameters, PredictOptions } from '../pk/types.js';
